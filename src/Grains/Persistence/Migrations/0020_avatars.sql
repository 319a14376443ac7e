-- Profile pictures (PUT /api/users/@me/avatar): the picture's bytes live in the blob store under
-- their SHA-256, like attachments; the account names them and says what they are. A blob an
-- avatar names is never swept (the attachment sweeper and the reference check look here too).
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS avatar text;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS avatar_type text;

CREATE INDEX IF NOT EXISTS ix_accounts_avatar ON accounts (avatar) WHERE avatar IS NOT NULL;
