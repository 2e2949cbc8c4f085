-- The places each directory service covers, read from its Open Referral UK
-- service areas (an area's URI ending in a place's code, or its name
-- naming a place). A service covering a local authority serves its wards.
CREATE TABLE directory_coverage (
    service_id TEXT NOT NULL REFERENCES directory_services (id) ON DELETE CASCADE,
    place_id TEXT NOT NULL REFERENCES places (id),
    PRIMARY KEY (service_id, place_id)
);
CREATE INDEX directory_coverage_by_place ON directory_coverage (place_id);
-- Services imported before coverage was read have theirs read at start-up.
ALTER TABLE directory_services ADD COLUMN areas_read BIGINT NOT NULL DEFAULT 0;
