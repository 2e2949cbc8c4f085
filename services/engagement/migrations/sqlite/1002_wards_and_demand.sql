-- differs by backend: SQLite cannot change a CHECK constraint, so it rebuilds the table PostgreSQL alters.
-- Wards: places become local authorities and the wards inside them; the five
-- priority areas are wards flagged `priority`. Their ids stay as they were.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE places_new (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('local_authority', 'ward')),
    parent_id TEXT REFERENCES places_new (id),
    position INTEGER NOT NULL,
    code TEXT UNIQUE,
    priority INTEGER NOT NULL DEFAULT 0,
    demo INTEGER NOT NULL DEFAULT 0
);
INSERT INTO places_new (id, name, kind, parent_id, position, priority)
    SELECT id, name,
           CASE kind WHEN 'priority_area' THEN 'ward' ELSE kind END,
           parent_id, position,
           CASE kind WHEN 'priority_area' THEN 1 ELSE 0 END
    FROM places;
DROP TABLE places;
ALTER TABLE places_new RENAME TO places;
CREATE INDEX places_by_kind ON places (kind, position);
CREATE INDEX places_by_parent ON places (parent_id, position);

-- Census areas (LSOAs) mapped to wards, one set of rows per imported version.
CREATE TABLE area_lookup_versions (
    version TEXT PRIMARY KEY NOT NULL,
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
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    lookup_version TEXT,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_imported INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    failure TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE import_errors (
    import_id TEXT NOT NULL REFERENCES imports (id),
    line INTEGER NOT NULL,
    field TEXT,
    message TEXT NOT NULL
);
CREATE INDEX import_errors_by_job ON import_errors (import_id, line);

-- Calls for service. Callers and addresses only as the force's pseudonyms.
CREATE TABLE incidents (
    incident_number TEXT PRIMARY KEY NOT NULL,
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
