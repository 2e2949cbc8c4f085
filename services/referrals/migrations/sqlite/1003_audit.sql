-- The access log (DPA 2018 s.62): who consulted or disclosed which record,
-- when, and why. Append-only; each row's hash covers the previous row's
-- hash, so an edited or deleted row breaks the chain.
CREATE TABLE access_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    detail TEXT,
    reason TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX access_log_by_referral ON access_log (referral_id, seq);

-- The head of the chain. Appending updates this one row first, which
-- serialises appenders on both backends.
CREATE TABLE access_log_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO access_log_head (id, seq, hash) VALUES (1, 0, '');
