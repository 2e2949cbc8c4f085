-- differs by backend: SQLite cannot change a CHECK constraint, so it rebuilds the table PostgreSQL alters.
-- Wards: places become local authorities and the wards inside them; the five
-- priority areas are wards flagged `priority`. Their ids stay as they were.
ALTER TABLE places DROP CONSTRAINT places_kind_check;
ALTER TABLE places ADD COLUMN code TEXT UNIQUE;
ALTER TABLE places ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
ALTER TABLE places ADD COLUMN demo BIGINT NOT NULL DEFAULT 0;
UPDATE places SET kind = 'ward', priority = 1 WHERE kind = 'priority_area';
ALTER TABLE places ADD CONSTRAINT places_kind_check CHECK (kind IN ('local_authority', 'ward'));
ALTER TABLE places ALTER COLUMN position TYPE BIGINT;
CREATE INDEX places_by_parent ON places (parent_id, position);

-- Census areas (LSOAs) mapped to wards, one set of rows per imported version.
CREATE TABLE area_lookup_versions (
    version TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
CREATE TABLE area_lookup (
    version TEXT NOT NULL REFERENCES area_lookup_versions (version),
    area_code TEXT NOT NULL,
    place_id TEXT NOT NULL REFERENCES places (id),
    PRIMARY KEY (version, area_code)
);

-- Import jobs and the rows they refused.
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    lookup_version TEXT,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_imported BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    failure TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE import_errors (
    import_id TEXT NOT NULL REFERENCES imports (id),
    line BIGINT NOT NULL,
    field TEXT,
    message TEXT NOT NULL
);
CREATE INDEX import_errors_by_job ON import_errors (import_id, line);

-- Calls for service. Callers and addresses only as the force's pseudonyms.
CREATE TABLE incidents (
    incident_number TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    opened_on TEXT NOT NULL,
    month TEXT NOT NULL,
    opening_category TEXT NOT NULL,
    closing_category TEXT,
    category TEXT NOT NULL,
    qualifiers TEXT NOT NULL,
    grade TEXT,
    place_id TEXT NOT NULL REFERENCES places (id),
    area_id TEXT NOT NULL,
    caller_ref TEXT,
    address_ref TEXT,
    import_id TEXT NOT NULL
);
CREATE INDEX incidents_by_place ON incidents (place_id, month, category);
CREATE INDEX incidents_by_area ON incidents (area_id, month);
CREATE INDEX incidents_by_caller ON incidents (caller_ref, opened_at);
CREATE INDEX incidents_by_address ON incidents (address_ref, opened_at);
