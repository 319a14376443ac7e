-- Files attached to channel messages. The bytes live in the uploads directory, stored once per
-- SHA-256 (content-addressed); a row here is one upload of those bytes by one user into one channel.
-- message_id is NULL while the upload is pending (uploaded, not yet sent with a message).

CREATE TABLE IF NOT EXISTS attachments
(
    id           uuid        PRIMARY KEY,
    channel_id   uuid        NOT NULL,
    guild_id     uuid        NOT NULL,
    uploader_id  uuid        NOT NULL,
    message_id   uuid,
    position     smallint,
    sha256       text        NOT NULL,
    filename     text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    width        integer,
    height       integer,
    created_at   timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_attachments_message ON attachments (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_attachments_pending ON attachments (created_at) WHERE message_id IS NULL;
CREATE INDEX IF NOT EXISTS ix_attachments_sha256 ON attachments (sha256);

-- Lets history and search filter on "has a file" without a join.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS has_attachments boolean NOT NULL DEFAULT false;
