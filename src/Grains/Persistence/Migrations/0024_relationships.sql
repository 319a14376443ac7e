-- Friends and friend requests (docs/API.md "Friends"), as Discord's relationships: one row per side
-- of a pair, written together. kind 1 = friends, 3 = a request this user received, 4 = one they sent.
-- Blocks stay in dm_blocks; blocking someone deletes both rows.
CREATE TABLE IF NOT EXISTS relationships (
    user_id  uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    other_id uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind     smallint    NOT NULL CHECK (kind IN (1, 3, 4)),
    since    timestamptz NOT NULL,
    PRIMARY KEY (user_id, other_id),
    CHECK (user_id <> other_id)
);
