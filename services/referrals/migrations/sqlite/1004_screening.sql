-- Screening: the risk factors noticed, as comma-separated ids.
ALTER TABLE referrals ADD COLUMN risk_factors TEXT NOT NULL DEFAULT '';
