-- Which guild a channel belongs to (so a channel id alone finds its guild), and the messages.

CREATE TABLE IF NOT EXISTS channels
(
    id         uuid        PRIMARY KEY,
    guild_id   uuid        NOT NULL,
    type       smallint    NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ix_channels_guild ON channels (guild_id);

CREATE TABLE IF NOT EXISTS messages
(
    id         uuid        PRIMARY KEY,
    channel_id uuid        NOT NULL,
    guild_id   uuid        NOT NULL,
    seq        bigint      NOT NULL,
    author_id  uuid        NOT NULL,
    content    text        NOT NULL,
    nonce      text,
    reply_to   uuid,
    created_at timestamptz NOT NULL,
    edited_at  timestamptz,
    deleted_at timestamptz,
    UNIQUE (channel_id, seq)
);

-- A retried send with the same nonce finds the stored row instead of creating a second one.
CREATE UNIQUE INDEX IF NOT EXISTS ux_messages_nonce ON messages (channel_id, author_id, nonce) WHERE nonce IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_messages_channel ON messages (channel_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_messages_search ON messages USING gin (to_tsvector('simple', content)) WHERE deleted_at IS NULL;
