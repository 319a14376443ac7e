-- @here resolved at send time: whom it reached (members online, idle or dnd then), so that mention
-- counts and notifications leave out who was offline or invisible. mention_here says the text has
-- an effective @here (clients render it); older messages kept @here in mention_everyone.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS mention_here boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS mention_here_ids uuid[] NOT NULL DEFAULT '{}';

-- Mention counts scan only messages that mention someone, @here audiences included.
CREATE INDEX IF NOT EXISTS ix_messages_mentioning ON messages (channel_id, seq)
    WHERE deleted_at IS NULL
      AND (mention_everyone OR cardinality(mention_ids) > 0 OR cardinality(mention_role_ids) > 0 OR cardinality(mention_here_ids) > 0);
DROP INDEX IF EXISTS ix_messages_mentions;

-- SEND_MESSAGES_IN_THREADS (1 << 38) came after the first guilds were made, and sending in a thread
-- needs it. New guilds give it to @everyone; here every existing @everyone role (position 0) that
-- may SEND_MESSAGES (1 << 11) gets it too. Roles live in the guild grain's JSON state; running
-- this again changes nothing.
WITH guilds AS (
    SELECT s.ctid AS row_id, convert_from(s.payloadbinary, 'UTF8')::jsonb AS doc
      FROM orleansstorage s
     WHERE s.graintypestring = 'guild' AND s.payloadbinary IS NOT NULL),
granted AS (
    SELECT g.row_id,
           jsonb_set(g.doc, '{Roles}', (
               SELECT jsonb_agg(
                          CASE WHEN coalesce((r ->> 'Position')::int, 0) = 0 AND ((r ->> 'Permissions')::bigint & 2048) <> 0
                               THEN jsonb_set(r, '{Permissions}', to_jsonb((r ->> 'Permissions')::bigint | 274877906944))
                               ELSE r END
                          ORDER BY e.n)
                 FROM jsonb_array_elements(g.doc -> 'Roles') WITH ORDINALITY AS e(r, n))) AS doc
      FROM guilds g
     WHERE jsonb_typeof(g.doc -> 'Roles') = 'array'
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(g.doc -> 'Roles') AS r
                    WHERE coalesce((r ->> 'Position')::int, 0) = 0
                      AND ((r ->> 'Permissions')::bigint & 2048) <> 0
                      AND ((r ->> 'Permissions')::bigint & 274877906944) = 0))
UPDATE orleansstorage s
   SET payloadbinary = convert_to(granted.doc::text, 'UTF8')
  FROM granted
 WHERE s.ctid = granted.row_id;
