-- Read model: referrals submitted per local authority area.
CREATE TABLE submitted_per_area (
    area_id TEXT PRIMARY KEY,
    submitted BIGINT NOT NULL
);
