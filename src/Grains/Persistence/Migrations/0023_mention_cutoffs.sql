-- "Dismiss all" in the inbox (DELETE /api/users/@me/mentions?upTo=): every mention of the person
-- up to this message id (ids are time-ordered) leaves their recent mentions; later ones stay.
CREATE TABLE IF NOT EXISTS mention_cutoffs (
    user_id uuid        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    up_to   uuid        NOT NULL,
    set_at  timestamptz NOT NULL DEFAULT now()
);
