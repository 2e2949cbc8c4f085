-- The lifecycle after submission: triage, sharing, outcome.
ALTER TABLE referrals ADD COLUMN priority TEXT;
ALTER TABLE referrals ADD COLUMN pathway TEXT;
ALTER TABLE referrals ADD COLUMN agency_id TEXT;
ALTER TABLE referrals ADD COLUMN outcome TEXT;
ALTER TABLE referrals ADD COLUMN triaged_at TEXT;
ALTER TABLE referrals ADD COLUMN shared_at TEXT;
ALTER TABLE referrals ADD COLUMN accepted_at TEXT;
ALTER TABLE referrals ADD COLUMN closed_at TEXT;
CREATE INDEX referrals_by_agency ON referrals (agency_id, created_at);

-- Every step a referral took, for its timeline. Notes (decline and
-- withdrawal reasons) stay here and never leave in an event.
CREATE TABLE referral_history (
    id BIGSERIAL PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX referral_history_by_referral ON referral_history (referral_id, id);

-- Agencies and programmes referrals are shared with.
CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    active BIGINT NOT NULL,
    position BIGINT NOT NULL
);
INSERT INTO agencies (id, name, kind, active, position) VALUES
    ('childrens-family-services', 'Children''s & Family Services', 'agency', 1, 1),
    ('schools', 'Schools', 'agency', 1, 2),
    ('pvpu', 'Protecting Vulnerable People Unit', 'agency', 1, 3),
    ('night-challenge', 'Night Challenge', 'programme', 1, 4),
    ('rock-challenge', 'Rock Challenge', 'programme', 1, 5),
    ('volunteer-police-cadets', 'Volunteer Police Cadets', 'programme', 1, 6),
    ('lifestyle', 'Lifestyle', 'programme', 1, 7);
