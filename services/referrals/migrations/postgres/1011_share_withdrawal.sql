-- A share can be withdrawn (the family withdrew consent, or the agency no
-- longer needs it): the receiving agency's access ends then. The note is
-- for the police record only.
ALTER TABLE shares ADD COLUMN withdrawn_why TEXT;
ALTER TABLE shares ADD COLUMN withdrawn_note TEXT;
ALTER TABLE shares ADD COLUMN withdrawn_by TEXT;
ALTER TABLE shares ADD COLUMN withdrawn_at TEXT;
