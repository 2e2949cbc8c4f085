CREATE TABLE referrals (
    id TEXT PRIMARY KEY NOT NULL,
    child_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    area_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX referrals_by_area ON referrals (area_id, created_at);
CREATE INDEX referrals_by_creator ON referrals (created_by, created_at);

