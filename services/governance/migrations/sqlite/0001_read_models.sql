-- Events this service has applied, once each.
CREATE TABLE processed_events (
    event_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    seq BIGINT NOT NULL,
    processed_at TEXT NOT NULL
);
CREATE INDEX processed_events_by_source ON processed_events (source, seq);

-- How far each source's event feed has been read.
CREATE TABLE feed_cursors (
    source TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);

-- Read model: referrals submitted per local authority area.
CREATE TABLE submitted_per_area (
    area_id TEXT PRIMARY KEY,
    submitted BIGINT NOT NULL
);
