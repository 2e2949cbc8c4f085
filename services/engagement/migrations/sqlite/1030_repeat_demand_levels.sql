-- The repeat-demand levels last published per preset rule, ward and month
-- (see src/repeat_levels.rs), so that only changed levels are written to the
-- outbox and a level that falls to nothing is published as zero once.
CREATE TABLE repeat_demand_levels (
    rule_id TEXT NOT NULL,
    place_id TEXT NOT NULL,
    month TEXT NOT NULL,
    area_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    subjects INTEGER NOT NULL,
    incidents INTEGER NOT NULL,
    PRIMARY KEY (rule_id, place_id, month)
);

