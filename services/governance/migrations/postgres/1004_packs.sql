-- Boards that receive report packs, and who may sign for each.
CREATE TABLE boards (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    position BIGINT NOT NULL
);
INSERT INTO boards (id, name, position) VALUES
    ('ei-police-governance-board', 'Early Intervention Police Governance Board', 1),
    ('communities-slt', 'Communities Senior Leadership Team', 2),
    ('local-policing-governance-board', 'Local Policing Governance Board', 3),
    ('hull-partnership-board', 'Hull Multi-Agency Partnership Board', 4),
    ('east-riding-partnership-board', 'East Riding Multi-Agency Partnership Board', 5),
    ('north-lincolnshire-partnership-board', 'North Lincolnshire Multi-Agency Partnership Board', 6),
    ('north-east-lincolnshire-partnership-board', 'North East Lincolnshire Multi-Agency Partnership Board', 7);

-- The board members (platform user ids) who may sign a board's packs.
CREATE TABLE board_approvers (
    board_id TEXT NOT NULL REFERENCES boards (id),
    approver_user TEXT NOT NULL,
    PRIMARY KEY (board_id, approver_user)
);

-- Every version of every pack. A signed version is frozen: its figures are
-- the stored snapshot, whose SHA-256 is kept beside it.
CREATE TABLE packs (
    id TEXT PRIMARY KEY,
    series_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    board_id TEXT NOT NULL REFERENCES boards (id),
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT,
    signed_by TEXT,
    signed_at TEXT,
    snapshot TEXT,
    snapshot_sha256 TEXT,
    UNIQUE (series_id, version)
);
CREATE INDEX packs_by_board ON packs (board_id, created_at);

-- Who viewed or downloaded which pack, when.
CREATE TABLE pack_access (
    id TEXT PRIMARY KEY,
    pack_id TEXT NOT NULL REFERENCES packs (id),
    user_id TEXT NOT NULL,
    action TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX pack_access_by_pack ON pack_access (pack_id, at);
