-- Guild icons (PUT /api/guilds/{id}/icon): like profile pictures, the bytes live in the blob store
-- under their SHA-256. The guild grain keeps the icon in its state for the guild view and writes
-- this row first, so the picture address (which serves only bytes some guild or account uses) and
-- the blob reference checks can ask PostgreSQL instead of every grain.
CREATE TABLE IF NOT EXISTS guild_icons (
    guild_id  uuid PRIMARY KEY,
    icon      text NOT NULL,
    icon_type text NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_guild_icons_icon ON guild_icons (icon);
