-- Guild emoji (POST /api/guilds/{id}/emojis): the guild grain keeps the list in its state for the
-- guild view and writes these rows first, so the picture address (which serves only bytes some
-- emoji, guild icon or account uses) and the blob reference checks can ask PostgreSQL.
CREATE TABLE IF NOT EXISTS guild_emojis (
    id           uuid PRIMARY KEY,
    guild_id     uuid NOT NULL,
    name         text NOT NULL,
    image        text NOT NULL,
    content_type text NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_guild_emojis_guild ON guild_emojis (guild_id);
CREATE INDEX IF NOT EXISTS ix_guild_emojis_image ON guild_emojis (image);
