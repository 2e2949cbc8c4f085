-- Repeat-demand rules, versioned: a change adds a version, and each flag
-- names the version that raised it.
CREATE TABLE repeat_rules (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    subject TEXT NOT NULL CHECK (subject IN ('caller', 'address', 'place')),
    min_contacts BIGINT NOT NULL,
    window_days BIGINT NOT NULL,
    category TEXT,
    qualifier TEXT,
    lawful_basis TEXT NOT NULL,
    preset BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

-- The presets: more than 5 in 30 days; more than 20 in 365 days; three
-- anti-social behaviour reports in six months (the case review threshold).
INSERT INTO repeat_rules (id, version, name, subject, min_contacts, window_days, category, qualifier, lawful_basis, preset, created_by, created_at) VALUES
    ('more-than-5-in-30-days', 1, 'More than 5 contacts in 30 days', 'caller', 6, 30, NULL, NULL,
     'Policing purpose: protecting life and property and preventing harm (common law); DPA 2018 Part 3, s.35 and s.31.', 1, 'service:engagement', '2026-01-01T00:00:00.000000Z'),
    ('more-than-20-in-365-days', 1, 'More than 20 contacts in 365 days', 'caller', 21, 365, NULL, NULL,
     'Policing purpose: protecting life and property and preventing harm (common law); DPA 2018 Part 3, s.35 and s.31.', 1, 'service:engagement', '2026-01-01T00:00:00.000000Z'),
    ('asb-case-review', 1, 'Three anti-social behaviour reports in six months (case review)', 'address', 3, 183, 'anti_social_behaviour', NULL,
     'Anti-social Behaviour, Crime and Policing Act 2014 s.104 (ASB case review); DPA 2018 Part 3, s.35.', 1, 'service:engagement', '2026-01-01T00:00:00.000000Z');

CREATE TABLE repeat_flags (
    id TEXT PRIMARY KEY NOT NULL,
    rule_id TEXT NOT NULL,
    rule_version BIGINT NOT NULL,
    subject TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    area_id TEXT NOT NULL,
    place_id TEXT NOT NULL,
    contacts BIGINT NOT NULL,
    first_contact TEXT NOT NULL,
    last_contact TEXT NOT NULL,
    as_of TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    support_path TEXT CHECK (support_path IN ('problem_solving_case', 'referral_suggestion')),
    case_id TEXT,
    raised_by TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    FOREIGN KEY (rule_id, rule_version) REFERENCES repeat_rules (id, version)
);
CREATE INDEX repeat_flags_by_subject ON repeat_flags (rule_id, subject, subject_ref);
CREATE INDEX repeat_flags_by_area ON repeat_flags (area_id, contacts);
