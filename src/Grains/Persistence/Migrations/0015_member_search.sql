-- Member search (the mention autocomplete in a guild bigger than the member pages a browser has
-- loaded, docs/API.md "Guilds"): a prefix of the shown name or of the username, whatever its case
-- and accents. Both are kept folded in guild_members by the triggers of 0014, and indexed with the
-- guild, so a search is one or two index ranges.
CREATE OR REPLACE FUNCTION member_search_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT regexp_replace(normalize(lower(value), NFD), '[\u0300-\u036f]', '', 'g')
$$;

ALTER TABLE guild_members ADD COLUMN IF NOT EXISTS search_name text;
ALTER TABLE guild_members ADD COLUMN IF NOT EXISTS search_username text;

CREATE OR REPLACE FUNCTION guild_member_shown_name() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account_username text;
BEGIN
    SELECT coalesce(nullif(NEW.nickname, ''), nullif(a.display_name, ''), a.username), a.username
      INTO NEW.shown_name, account_username
      FROM accounts a
     WHERE a.id = NEW.user_id;
    NEW.search_name := member_search_fold(NEW.shown_name);
    NEW.search_username := member_search_fold(account_username);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION account_shown_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE guild_members
       SET shown_name = coalesce(nullif(nickname, ''), nullif(NEW.display_name, ''), NEW.username),
           search_name = member_search_fold(coalesce(nullif(nickname, ''), nullif(NEW.display_name, ''), NEW.username)),
           search_username = member_search_fold(NEW.username)
     WHERE user_id = NEW.id;
    RETURN NULL;
END
$$;

UPDATE guild_members m
   SET search_name = member_search_fold(m.shown_name),
       search_username = member_search_fold(a.username)
  FROM accounts a
 WHERE a.id = m.user_id AND (m.search_name IS NULL OR m.search_username IS NULL);

ALTER TABLE guild_members ALTER COLUMN search_name SET NOT NULL;
ALTER TABLE guild_members ALTER COLUMN search_username SET NOT NULL;

CREATE INDEX IF NOT EXISTS ix_guild_members_search_name ON guild_members (guild_id, search_name text_pattern_ops);
CREATE INDEX IF NOT EXISTS ix_guild_members_search_username ON guild_members (guild_id, search_username text_pattern_ops);
