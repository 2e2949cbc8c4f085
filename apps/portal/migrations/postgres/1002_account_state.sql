-- An account can be disabled without being removed: its sessions end on
-- their next request and it cannot sign in.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
