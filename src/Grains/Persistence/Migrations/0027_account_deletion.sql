-- Deleted accounts: the row stays (messages keep an author) but holds nothing personal. The
-- username becomes deleted_<id>, the display name "Deleted User", and the password cannot match.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
