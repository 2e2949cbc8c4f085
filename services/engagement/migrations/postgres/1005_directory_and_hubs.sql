-- The partner directory: each service's Open Referral UK record is kept
-- exactly as imported, so export gives back what came in; the columns
-- beside it are for listing and review.
CREATE TABLE directory_services (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    organization_name TEXT NOT NULL,
    sector TEXT NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX directory_by_org ON directory_services (organization_name, name);
CREATE TABLE directory_settings (
    id BIGINT PRIMARY KEY NOT NULL,
    review_after_days BIGINT NOT NULL
);
INSERT INTO directory_settings (id, review_after_days) VALUES (1, 365);

-- Early Intervention Hubs.
CREATE TABLE hubs (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    place_id TEXT NOT NULL REFERENCES places (id),
    area_id TEXT NOT NULL,
    address TEXT NOT NULL,
    opening_times TEXT NOT NULL,
    partner_teams TEXT NOT NULL,
    access_points TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
