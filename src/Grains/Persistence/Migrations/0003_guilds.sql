-- Guild membership (can reach 100k rows per guild, so not in grain state) and the audit log.

CREATE TABLE IF NOT EXISTS guild_members
(
    guild_id      uuid        NOT NULL,
    user_id       uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    nickname      text,
    role_ids      uuid[]      NOT NULL DEFAULT '{}',
    joined_at     timestamptz NOT NULL,
    timeout_until timestamptz,
    PRIMARY KEY (guild_id, user_id)
);

CREATE INDEX IF NOT EXISTS ix_guild_members_user ON guild_members (user_id);

CREATE TABLE IF NOT EXISTS audit_log
(
    id         uuid        PRIMARY KEY,
    guild_id   uuid        NOT NULL,
    actor_id   uuid        NOT NULL,
    action     text        NOT NULL,
    target_id  uuid,
    reason     text,
    changes    jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_audit_log_guild ON audit_log (guild_id, id DESC);
