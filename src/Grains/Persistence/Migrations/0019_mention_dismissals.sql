-- Mentions a person took out of their inbox (DELETE /api/users/@me/mentions/{messageId}). The
-- recent-mentions query skips them; a message deleted for good (its channel deleted) takes its
-- dismissals with it, and so does a deleted account.
CREATE TABLE IF NOT EXISTS mention_dismissals (
    user_id      uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id   uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    dismissed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, message_id)
);

-- For the cascade from messages.
CREATE INDEX IF NOT EXISTS ix_mention_dismissals_message ON mention_dismissals (message_id);
