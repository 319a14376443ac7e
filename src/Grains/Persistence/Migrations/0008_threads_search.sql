-- Threads: a thread is a channel (a row in the channels directory, type 11, and a channel grain)
-- with a parent text channel whose permissions it uses. Plus what message search filters on.

CREATE TABLE IF NOT EXISTS threads
(
    id                 uuid        PRIMARY KEY,
    guild_id           uuid        NOT NULL,
    parent_id          uuid        NOT NULL,
    starter_message_id uuid,
    creator_id         uuid        NOT NULL,
    name               text        NOT NULL,
    archived           boolean     NOT NULL DEFAULT false,
    archived_at        timestamptz,
    created_at         timestamptz NOT NULL
);

-- One thread per starter message; a concurrent second create fails on this index.
CREATE UNIQUE INDEX IF NOT EXISTS ux_threads_starter ON threads (starter_message_id) WHERE starter_message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_threads_parent ON threads (parent_id, archived, id DESC);

-- Search's has=attachment filter. The attachments migration (0006) adds the same column and the
-- send path sets it; repeated here, identically and idempotently, so search stands on its own.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS has_attachments boolean NOT NULL DEFAULT false;

-- Search without text (author/date filters only) walks a guild's messages newest first.
CREATE INDEX IF NOT EXISTS ix_messages_guild ON messages (guild_id, id DESC) WHERE deleted_at IS NULL;
