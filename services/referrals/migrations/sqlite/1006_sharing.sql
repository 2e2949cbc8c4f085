-- Lawful sharing. Every share relies on a data-sharing agreement in force
-- with the receiving agency; an agreement that has lapsed cannot be relied
-- on. The agreements seeded here are the standing early-help agreements;
-- administrators add, extend or replace them.
CREATE TABLE sharing_agreements (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sharing_agreements_by_agency ON sharing_agreements (agency_id);
INSERT INTO sharing_agreements (id, name, agency_id, starts_on, ends_on, created_by, created_at)
SELECT 'isa-' || id, 'Early help information sharing agreement: ' || name, id,
       '2025-04-01', '2029-03-31', 'system', '2025-04-01T00:00:00.000000Z'
FROM agencies;

-- Every share: the recipient, the lawful basis, the consent position (and
-- why it was shared without consent), the agreement, and what it disclosed.
CREATE TABLE shares (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    agency_id TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    consent TEXT NOT NULL,
    consent_note TEXT,
    agreement_id TEXT NOT NULL REFERENCES sharing_agreements (id),
    fields TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX shares_by_referral ON shares (referral_id, id);

-- The follow-up check six months after closure.
ALTER TABLE referrals ADD COLUMN follow_up_due_on TEXT;
ALTER TABLE referrals ADD COLUMN follow_up TEXT;
ALTER TABLE referrals ADD COLUMN followed_up_at TEXT;
CREATE INDEX referrals_by_follow_up ON referrals (follow_up_due_on);
