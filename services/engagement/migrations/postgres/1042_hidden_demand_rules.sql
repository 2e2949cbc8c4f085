-- The rules behind the hidden-demand worklist: repeated domestic,
-- missing-person or mental-health incidents at one address or by one
-- caller. A row on the worklist that a person opens a support path from is
-- recorded as a flag of one of these, naming its version and lawful basis
-- like any other. They are not presets: nothing evaluates them on a
-- schedule, and they publish no levels.
INSERT INTO repeat_rules (id, version, name, subject, min_contacts, window_days, category, qualifier, lawful_basis, preset, created_by, created_at) VALUES
    ('hidden-domestic-address', 1, 'Hidden demand: three domestic incidents at one address in 90 days', 'address', 3, 90, NULL, 'domestic',
     'Policing purpose: protecting life and preventing harm (common law); safeguarding children (Children Act 2004 s.11); DPA 2018 Part 3, s.35 and s.31.', 0, 'service:engagement', '2026-01-01T00:00:00.000000Z'),
    ('hidden-domestic-caller', 1, 'Hidden demand: three domestic incidents from one caller in 90 days', 'caller', 3, 90, NULL, 'domestic',
     'Policing purpose: protecting life and preventing harm (common law); safeguarding children (Children Act 2004 s.11); DPA 2018 Part 3, s.35 and s.31.', 0, 'service:engagement', '2026-01-01T00:00:00.000000Z'),
    ('hidden-missing-person-address', 1, 'Hidden demand: three missing-person incidents at one address in 90 days', 'address', 3, 90, NULL, 'missing_person',
     'Policing purpose: protecting life and preventing harm (common law); safeguarding children (Children Act 2004 s.11); DPA 2018 Part 3, s.35 and s.31.', 0, 'service:engagement', '2026-01-01T00:00:00.000000Z'),
    ('hidden-missing-person-caller', 1, 'Hidden demand: three missing-person incidents from one caller in 90 days', 'caller', 3, 90, NULL, 'missing_person',
     'Policing purpose: protecting life and preventing harm (common law); safeguarding children (Children Act 2004 s.11); DPA 2018 Part 3, s.35 and s.31.', 0, 'service:engagement', '2026-01-01T00:00:00.000000Z'),
    ('hidden-mental-health-address', 1, 'Hidden demand: three mental-health incidents at one address in 90 days', 'address', 3, 90, NULL, 'mental_health',
     'Policing purpose: protecting life and preventing harm (common law); DPA 2018 Part 3, s.35 and s.31.', 0, 'service:engagement', '2026-01-01T00:00:00.000000Z'),
    ('hidden-mental-health-caller', 1, 'Hidden demand: three mental-health incidents from one caller in 90 days', 'caller', 3, 90, NULL, 'mental_health',
     'Policing purpose: protecting life and preventing harm (common law); DPA 2018 Part 3, s.35 and s.31.', 0, 'service:engagement', '2026-01-01T00:00:00.000000Z');
