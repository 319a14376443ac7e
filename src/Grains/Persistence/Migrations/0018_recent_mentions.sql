-- Recent mentions (GET /api/users/@me/mentions) read a user's mentions across every channel they can
-- read, newest first. ix_messages_mentioning (0010) serves counts per channel, but finding one
-- user's mentions through it means reading every mentioning message of every channel.
--
-- Mentions by name: a GIN index over mention_ids, only for the messages that name someone (a plain
-- message costs nothing more to insert), without a pending list (see 0013: no merge inside a send).
CREATE INDEX IF NOT EXISTS ix_messages_mentioned_users ON messages USING gin (mention_ids) WITH (fastupdate = off)
    WHERE deleted_at IS NULL AND cardinality(mention_ids) > 0;

-- @everyone, @here and role mentions, which concern many people and are rare: per channel, newest first.
CREATE INDEX IF NOT EXISTS ix_messages_broadcast_mentions ON messages (channel_id, seq)
    WHERE deleted_at IS NULL AND (mention_everyone OR cardinality(mention_role_ids) > 0 OR cardinality(mention_here_ids) > 0);
