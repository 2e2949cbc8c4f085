-- Lists show children's names too, so each list shown is one access-log row
-- naming every referral on it (in its hashed detail). This index finds those
-- rows for one referral's access report; it is derived from the chain.
CREATE TABLE access_log_items (
    seq BIGINT NOT NULL,
    referral_id TEXT NOT NULL
);
CREATE INDEX access_log_items_by_referral ON access_log_items (referral_id, seq);
