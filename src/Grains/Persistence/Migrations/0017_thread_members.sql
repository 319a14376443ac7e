-- Thread members (docs/API.md "Thread members"): who follows a thread. Its creator and everyone who
-- posts in it join it; anyone who can see it may join or leave. A joined thread is listed under its
-- channel in the member's channel list and counts every unread message since they joined, where a
-- thread they never joined counts only the messages that mention them.
CREATE TABLE IF NOT EXISTS thread_members
(
    thread_id uuid        NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    user_id   uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);

CREATE INDEX IF NOT EXISTS ix_thread_members_user ON thread_members (user_id);
