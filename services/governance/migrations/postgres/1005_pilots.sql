-- Pilots to evaluate against comparison areas.
CREATE TABLE pilots (
    id TEXT PRIMARY KEY,
    input TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
