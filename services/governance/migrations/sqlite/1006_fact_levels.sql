-- The latest level a source published for one key (the calls on record for
-- a ward, month and category), so a newer level moves its fact cell by the
-- difference instead of adding to it. Keys name places, never people.
CREATE TABLE fact_levels (
    level_key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    value BIGINT NOT NULL
);
