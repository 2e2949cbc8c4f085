-- Platform users. Roles and areas are comma-separated ids.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    areas TEXT NOT NULL,
    agency TEXT,
    created_at TEXT NOT NULL
);
