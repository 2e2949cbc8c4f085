-- Recorded recalculations of a measure's process limits. `recorded_by` is
-- the analyst accountable for the change, not anyone the figures count.
CREATE TABLE rebases (
    measure_id TEXT NOT NULL REFERENCES measures (id),
    period TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (measure_id, period)
);
