-- Repeat-demand levels still to publish: each import or preset rule run
-- that may have changed them leaves a row here in its own transaction. A
-- worker publishes the levels after it has finished (the evaluation reads
-- the whole window of incidents, so it stays off the import's path) and
-- clears the rows it covered in the transaction that records the events.
CREATE TABLE repeat_levels_due (
    id TEXT PRIMARY KEY NOT NULL,
    -- Only this preset rule; NULL for every preset.
    rule_id TEXT,
    -- From this month (YYYY-MM); NULL for every month.
    since TEXT,
    created_at TEXT NOT NULL
);
