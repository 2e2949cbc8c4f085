-- The single-purpose table is replaced by the generic fact table; the
-- consumers rebuild it from the sources' event feeds on start.
DROP TABLE submitted_per_area;
DELETE FROM processed_events;
DELETE FROM feed_cursors;

-- Read model: one cell per source, event kind, area, month and category.
-- `area_id` and `category` are '' when the event carries none.
CREATE TABLE facts (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_id TEXT NOT NULL,
    period TEXT NOT NULL,
    category TEXT NOT NULL,
    n BIGINT NOT NULL,
    -- Of those, how many were timed from submission, and their total seconds.
    timed BIGINT NOT NULL,
    elapsed_seconds BIGINT NOT NULL,
    PRIMARY KEY (source, kind, area_id, period, category)
);
CREATE INDEX facts_by_kind_period ON facts (kind, period);

-- When each open referral was submitted, keyed by a one-way hash of its id,
-- so later steps can be timed. Removed when the referral closes.
CREATE TABLE case_clock (
    case_key TEXT PRIMARY KEY,
    started_on TEXT NOT NULL
);

-- The performance framework, as data.
CREATE TABLE outcomes (
    id TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE indicators (
    id TEXT PRIMARY KEY,
    outcome_id TEXT NOT NULL REFERENCES outcomes (id),
    position BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE measures (
    id TEXT PRIMARY KEY,
    indicator_id TEXT NOT NULL REFERENCES indicators (id),
    position BIGINT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
