-- Notification settings (docs/API.md "Notification settings"): one row per member and guild they
-- changed anything in, the whole guild's choices (level, suppressions, mutes, per-channel choices)
-- as one JSON document, so a change is written whole or not at all. Only read by the member's own
-- read-state grain; nothing queries inside the document.
CREATE TABLE IF NOT EXISTS notification_settings
(
    user_id    uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    guild_id   uuid        NOT NULL,
    settings   jsonb       NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, guild_id)
);
