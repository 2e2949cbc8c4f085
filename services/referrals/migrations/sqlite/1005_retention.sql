-- Retention (MoPI): every referral has a review date; each review records a
-- retain or dispose decision. Disposal erases personal data and keeps an
-- anonymised record for statistics.
ALTER TABLE referrals ADD COLUMN review_on TEXT;
ALTER TABLE referrals ADD COLUMN disposed_at TEXT;
UPDATE referrals SET review_on = substr(created_at, 1, 10) WHERE review_on IS NULL;
CREATE INDEX referrals_by_review ON referrals (review_on);

CREATE TABLE retention_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    next_review_on TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
