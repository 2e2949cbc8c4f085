-- The people referrals are about, and their households. Names stay in this
-- service: events and other services see only a person's id, a pseudonym.
-- The sound keys (Double Metaphone) and birth year let duplicate detection
-- narrow its candidates by index.
CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    birth_year BIGINT NOT NULL,
    gender TEXT,
    area_id TEXT NOT NULL,
    ward TEXT,
    school TEXT,
    given_key TEXT NOT NULL,
    family_key TEXT NOT NULL,
    merged_into TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX people_by_family_key ON people (family_key);
CREATE INDEX people_by_birth ON people (date_of_birth);
CREATE INDEX people_by_given_year ON people (given_key, birth_year);

CREATE TABLE person_links (
    person_id TEXT NOT NULL REFERENCES people (id),
    related_id TEXT NOT NULL REFERENCES people (id),
    relationship TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (person_id, related_id)
);

-- Merges of duplicate records, kept so an administrator can undo one.
CREATE TABLE person_merges (
    id TEXT PRIMARY KEY NOT NULL,
    kept_id TEXT NOT NULL REFERENCES people (id),
    merged_id TEXT NOT NULL REFERENCES people (id),
    referral_ids TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    undone_by TEXT,
    undone_at TEXT,
    undo_reason TEXT
);
CREATE INDEX person_merges_by_kept ON person_merges (kept_id);

ALTER TABLE referrals ADD COLUMN person_id TEXT;
CREATE INDEX referrals_by_person ON referrals (person_id);
