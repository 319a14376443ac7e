-- Polls (docs/API.md "Polls"): a poll is a message (its content is the question) with one row
-- here, written in the same statement as the message by the group commit; votes are one row per
-- voter and answer.
CREATE TABLE IF NOT EXISTS polls (
    message_id        uuid        PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    answers           jsonb       NOT NULL,
    allow_multiselect boolean     NOT NULL,
    expires_at        timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS poll_votes (
    message_id uuid        NOT NULL REFERENCES polls (message_id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL,
    answer_id  smallint    NOT NULL,
    voted_at   timestamptz NOT NULL,
    PRIMARY KEY (message_id, user_id, answer_id)
);

-- A deleted message's text is wiped; so are its poll's answers and votes, whichever path deletes it.
CREATE OR REPLACE FUNCTION polls_forget_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM polls WHERE message_id = NEW.id;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS messages_deleted_forget_poll ON messages;
CREATE TRIGGER messages_deleted_forget_poll
    AFTER UPDATE OF deleted_at ON messages
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
    EXECUTE FUNCTION polls_forget_deleted();
