-- Events this database's consumers have applied, once each, and how far
-- each source's event feed has been read (a feed position: the writing
-- transaction's id and the sequence number within it).
CREATE TABLE processed_events (
    event_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    seq BIGINT NOT NULL,
    processed_at TEXT NOT NULL
);
CREATE INDEX processed_events_by_source ON processed_events (source, seq);

CREATE TABLE feed_cursors (
    source TEXT PRIMARY KEY,
    tx BIGINT NOT NULL DEFAULT 0,
    position BIGINT NOT NULL
);
