-- Reminders by email: the address a person's reminders go to (optional;
-- without one, or without an SMTP server, reminders show in the portal
-- only), and the day each reminder was emailed, so none is sent twice.
ALTER TABLE staff ADD COLUMN email TEXT;
ALTER TABLE reminders ADD COLUMN emailed_on TEXT;
