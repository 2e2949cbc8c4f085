-- Problem-solving cases. Stage records are JSON text; the wards a case
-- covers are rows, so place profiles can find open cases.
CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    area_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    objective TEXT NOT NULL,
    scanning TEXT NOT NULL,
    analysis TEXT NOT NULL,
    responses TEXT NOT NULL,
    assessment TEXT,
    created_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX cases_by_area ON cases (area_id, status);
CREATE TABLE case_places (
    case_id TEXT NOT NULL REFERENCES cases (id),
    place_id TEXT NOT NULL REFERENCES places (id),
    PRIMARY KEY (case_id, place_id)
);

-- The engagement log.
CREATE TABLE engagements (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    place_id TEXT NOT NULL REFERENCES places (id),
    area_id TEXT NOT NULL,
    held_on TEXT NOT NULL,
    attendance BIGINT NOT NULL,
    groups_reached TEXT NOT NULL,
    seldom_heard BIGINT NOT NULL,
    issues_raised TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX engagements_by_place ON engagements (place_id, held_on);
CREATE INDEX engagements_by_area ON engagements (area_id, held_on);

-- Community priorities and what was done about them.
CREATE TABLE priorities (
    id TEXT PRIMARY KEY NOT NULL,
    place_id TEXT NOT NULL REFERENCES places (id),
    area_id TEXT NOT NULL,
    period TEXT NOT NULL,
    title TEXT NOT NULL,
    you_said TEXT NOT NULL,
    engagement_ids TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('agreed', 'resolved')),
    responses TEXT NOT NULL,
    created_by TEXT NOT NULL,
    agreed_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX priorities_by_place ON priorities (place_id, period);
