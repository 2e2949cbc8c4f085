-- The competency framework as data, the people it applies to, and the
-- append-only evidence their currency is worked out from.

-- How long a competency stays current after its latest evidence (NULL: it
-- does not expire), how many days before the lapse the status turns amber,
-- whether it has levels, and whether supervision, observed practice and CPD
-- are checked for its holders.
ALTER TABLE competencies ADD COLUMN validity_months INTEGER;
ALTER TABLE competencies ADD COLUMN warning_days INTEGER NOT NULL DEFAULT 60;
ALTER TABLE competencies ADD COLUMN levelled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE competencies ADD COLUMN practice_checks INTEGER NOT NULL DEFAULT 0;

UPDATE competencies SET validity_months = 12, levelled = 1, practice_checks = 1
    WHERE id = 'restorative-practice';

INSERT INTO competencies (id, name, description, position) VALUES
    ('prevention-mecc', 'Prevention and making every contact count',
     'Applies prevention principles and uses every contact to spot need and offer help early.', 4),
    ('long-term-risk', 'Identifying long-term risk factors for children',
     'Identifies the factors that put a child at long-term risk and acts on them with partners.', 5);

-- Standards a competency is assessed against, grouped under performance
-- indicators. Restorative practice follows the shape of the Restorative
-- Justice Council practitioner framework: three indicators, eleven standards.
CREATE TABLE competency_standards (
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    text TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (competency_id, code)
);

INSERT INTO competency_standards (competency_id, code, indicator, text, position) VALUES
    ('restorative-practice', '1.1', 'Preparation', 'Assesses whether a restorative process is safe and suitable for everyone involved.', 1),
    ('restorative-practice', '1.2', 'Preparation', 'Explains the process, its choices and its limits so that people can decide freely.', 2),
    ('restorative-practice', '1.3', 'Preparation', 'Identifies risks and needs and plans how they will be managed.', 3),
    ('restorative-practice', '1.4', 'Preparation', 'Agrees who will take part and how, keeping participation voluntary.', 4),
    ('restorative-practice', '2.1', 'Facilitation', 'Facilitates a communication that is safe, respectful and balanced.', 5),
    ('restorative-practice', '2.2', 'Facilitation', 'Helps participants say what happened, who was affected and how.', 6),
    ('restorative-practice', '2.3', 'Facilitation', 'Supports participants to agree what should happen to repair harm.', 7),
    ('restorative-practice', '2.4', 'Facilitation', 'Remains impartial and manages conflict and emotion as they arise.', 8),
    ('restorative-practice', '3.1', 'Follow-up and practice', 'Records outcomes accurately and follows up agreements.', 9),
    ('restorative-practice', '3.2', 'Follow-up and practice', 'Uses supervision and reflection to improve practice.', 10),
    ('restorative-practice', '3.3', 'Follow-up and practice', 'Keeps knowledge current through continuing professional development.', 11),
    ('ace-awareness', 'A1', 'Awareness', 'Recognises signs of adverse childhood experiences and trauma.', 1),
    ('ace-awareness', 'A2', 'Awareness', 'Responds in a trauma-informed way and avoids re-traumatising.', 2),
    ('early-help-services', 'E1', 'Knowledge', 'Knows the local early-help offer and who it is for.', 1),
    ('early-help-services', 'E2', 'Knowledge', 'Makes a fast, well-evidenced referral to the right service.', 2),
    ('prevention-mecc', 'P1', 'Practice', 'Uses each contact to ask about wellbeing and offer help.', 1),
    ('long-term-risk', 'L1', 'Practice', 'Identifies long-term risk factors and records them for partners.', 1);

-- Job roles staff hold, and what each requires. A NULL level is a
-- competency without levels.
CREATE TABLE job_roles (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);

INSERT INTO job_roles (id, name, position) VALUES
    ('police-constable', 'Police constable', 1),
    ('pcso', 'Police community support officer', 2),
    ('police-staff', 'Police staff', 3),
    ('joint-role', 'Joint role with a partner', 4);

CREATE TABLE role_requirements (
    role_id TEXT NOT NULL REFERENCES job_roles (id),
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    level INTEGER,
    PRIMARY KEY (role_id, competency_id)
);

INSERT INTO role_requirements (role_id, competency_id, level) VALUES
    ('police-constable', 'restorative-practice', 1),
    ('police-constable', 'ace-awareness', NULL),
    ('police-constable', 'early-help-services', NULL),
    ('police-constable', 'prevention-mecc', NULL),
    ('pcso', 'restorative-practice', 1),
    ('pcso', 'ace-awareness', NULL),
    ('pcso', 'prevention-mecc', NULL),
    ('police-staff', 'ace-awareness', NULL),
    ('police-staff', 'prevention-mecc', NULL),
    ('joint-role', 'restorative-practice', 2),
    ('joint-role', 'ace-awareness', NULL),
    ('joint-role', 'early-help-services', NULL),
    ('joint-role', 'long-term-risk', NULL);

-- Staff: force officers and staff (with a staff number) and partner staff
-- (with an agency instead). `user_id` links a signed-in user to their record.
CREATE TABLE staff (
    id TEXT PRIMARY KEY NOT NULL,
    staff_number TEXT UNIQUE,
    user_id TEXT UNIQUE,
    name TEXT NOT NULL,
    team TEXT NOT NULL,
    area TEXT NOT NULL,
    role_id TEXT NOT NULL REFERENCES job_roles (id),
    manager_id TEXT REFERENCES staff (id),
    agency TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX staff_by_manager ON staff (manager_id);

-- The evidence log: append-only. Corrections are new entries. CPD time is
-- kept in whole minutes.
CREATE TABLE evidence (
    id TEXT PRIMARY KEY NOT NULL,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    kind TEXT NOT NULL,
    activity TEXT NOT NULL,
    level INTEGER,
    source TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    minutes INTEGER,
    approved INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    -- The entry this one corrects: the corrected entry stays in the log but
    -- no longer counts.
    corrects TEXT REFERENCES evidence (id),
    actor TEXT NOT NULL,
    session_id TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX evidence_by_staff ON evidence (staff_id, competency_id, occurred_on);

-- Pauses of a record (long leave): audited, never edited.
CREATE TABLE pauses (
    id TEXT PRIMARY KEY NOT NULL,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX pauses_by_staff ON pauses (staff_id);

CREATE TABLE courses (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    level INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    course_id TEXT NOT NULL REFERENCES courses (id),
    trainer TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE attendance (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    staff_id TEXT NOT NULL REFERENCES staff (id),
    attended INTEGER NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (session_id, staff_id)
);

CREATE TABLE assessments (
    id TEXT PRIMARY KEY NOT NULL,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    assessor TEXT NOT NULL,
    assessed_on TEXT NOT NULL,
    outcome TEXT NOT NULL,
    level INTEGER,
    standards_met TEXT NOT NULL,
    notes TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX assessments_by_staff ON assessments (staff_id);

-- Reminders: one row per recipient, subject, competency, lapse date and
-- stage, so running the job again the same day creates nothing twice.
CREATE TABLE reminders (
    id TEXT PRIMARY KEY NOT NULL,
    recipient_id TEXT NOT NULL REFERENCES staff (id),
    subject_id TEXT NOT NULL REFERENCES staff (id),
    competency_id TEXT NOT NULL REFERENCES competencies (id),
    lapse_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_on TEXT NOT NULL,
    UNIQUE (recipient_id, subject_id, competency_id, lapse_on, stage)
);
CREATE INDEX reminders_by_recipient ON reminders (recipient_id, created_on);

-- Coverage published per month and scope, so each is published once.
CREATE TABLE coverage_published (
    month TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    PRIMARY KEY (month, scope, scope_id)
);
