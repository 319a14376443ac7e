-- The member list's order (docs/API.md "Guilds"): by shown name under ICU's root collation (the
-- order of a browser's localeCompare), then by user id. The shown name comes from two tables (the
-- member's nickname, else the account's display name, else its username), so triggers keep it in a
-- column of guild_members, and an index serves each page as a range scan instead of a sort of the
-- whole guild.
ALTER TABLE guild_members ADD COLUMN IF NOT EXISTS shown_name text COLLATE "und-x-icu";

CREATE OR REPLACE FUNCTION guild_member_shown_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT coalesce(nullif(NEW.nickname, ''), nullif(a.display_name, ''), a.username)
      INTO NEW.shown_name
      FROM accounts a
     WHERE a.id = NEW.user_id;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS tr_guild_members_shown_name ON guild_members;
CREATE TRIGGER tr_guild_members_shown_name
    BEFORE INSERT OR UPDATE OF nickname ON guild_members
    FOR EACH ROW EXECUTE FUNCTION guild_member_shown_name();

CREATE OR REPLACE FUNCTION account_shown_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE guild_members
       SET shown_name = coalesce(nullif(nickname, ''), nullif(NEW.display_name, ''), NEW.username)
     WHERE user_id = NEW.id;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS tr_accounts_shown_name ON accounts;
CREATE TRIGGER tr_accounts_shown_name
    AFTER UPDATE OF display_name, username ON accounts
    FOR EACH ROW
    WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name OR OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION account_shown_name();

UPDATE guild_members m
   SET shown_name = coalesce(nullif(m.nickname, ''), nullif(a.display_name, ''), a.username)
  FROM accounts a
 WHERE a.id = m.user_id AND m.shown_name IS NULL;

ALTER TABLE guild_members ALTER COLUMN shown_name SET NOT NULL;

CREATE INDEX IF NOT EXISTS ix_guild_members_shown_name ON guild_members (guild_id, shown_name, user_id);
