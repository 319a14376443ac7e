-- Mentions parsed at send/edit time, reactions, pins and per-user read positions.

ALTER TABLE messages ADD COLUMN IF NOT EXISTS mention_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE messages ADD COLUMN IF NOT EXISTS mention_role_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE messages ADD COLUMN IF NOT EXISTS mention_everyone boolean NOT NULL DEFAULT false;

-- Mention counts after a read position scan only the messages that mention someone.
CREATE INDEX IF NOT EXISTS ix_messages_mentions ON messages (channel_id, seq)
    WHERE deleted_at IS NULL AND (mention_everyone OR cardinality(mention_ids) > 0 OR cardinality(mention_role_ids) > 0);

CREATE TABLE IF NOT EXISTS reactions
(
    message_id uuid        NOT NULL,
    channel_id uuid        NOT NULL,
    emoji      text        NOT NULL,
    user_id    uuid        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);

CREATE INDEX IF NOT EXISTS ix_reactions_channel ON reactions (channel_id);

CREATE TABLE IF NOT EXISTS pins
(
    channel_id uuid        NOT NULL,
    message_id uuid        NOT NULL,
    pinned_by  uuid        NOT NULL,
    pinned_at  timestamptz NOT NULL,
    PRIMARY KEY (channel_id, message_id)
);

CREATE TABLE IF NOT EXISTS read_states
(
    user_id         uuid        NOT NULL,
    channel_id      uuid        NOT NULL,
    last_message_id uuid        NOT NULL,
    last_seq        bigint      NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, channel_id)
);
