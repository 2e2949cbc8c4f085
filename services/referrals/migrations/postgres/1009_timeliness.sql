-- Timeliness targets in hours, set by administrators: triage after
-- submission, and an agency's answer to a share by priority.
CREATE TABLE timeliness_targets (
    id BIGINT PRIMARY KEY,
    triage_hours BIGINT NOT NULL,
    urgent_hours BIGINT NOT NULL,
    high_hours BIGINT NOT NULL,
    routine_hours BIGINT NOT NULL
);
INSERT INTO timeliness_targets (id, triage_hours, urgent_hours, high_hours, routine_hours)
VALUES (1, 48, 24, 72, 120);
