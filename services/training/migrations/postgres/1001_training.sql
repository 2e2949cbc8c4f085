-- Competencies: reference data, so the migration seeds them.
CREATE TABLE competencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL
);

INSERT INTO competencies (id, name, description, position) VALUES
    ('restorative-practice', 'Restorative practice',
     'Uses restorative approaches to repair harm and resolve conflict with children, families and communities.', 1),
    ('ace-awareness', 'ACE and trauma-informed awareness',
     'Recognises adverse childhood experiences and responds in a trauma-informed way at every contact.', 2),
    ('early-help-services', 'Early-help services knowledge',
     'Knows the local early-help services and partner programmes and how to refer into them.', 3);

-- A staff member's completion of a competency, as a trainer recorded it.
CREATE TABLE completions (
    id TEXT PRIMARY KEY,
    staff_ref TEXT NOT NULL,
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    completed_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX completions_by_staff ON completions (staff_ref, completed_on);
CREATE INDEX completions_by_date ON completions (completed_on, recorded_at);

