-- End-to-end-encrypted direct messages: conversations and members, blocks, one-time prekeys,
-- and the envelopes. The server stores public key material and opaque ciphertext only:
-- dm_messages.content is the base64 envelope exactly as the sending device produced it.

CREATE TABLE IF NOT EXISTS dm_conversations
(
    id              uuid        PRIMARY KEY,
    kind            smallint    NOT NULL,
    name            text,
    owner_id        uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    last_message_at timestamptz
);

CREATE TABLE IF NOT EXISTS dm_members
(
    conversation_id uuid        NOT NULL REFERENCES dm_conversations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    joined_at       timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

CREATE INDEX IF NOT EXISTS ix_dm_members_user ON dm_members (user_id);

CREATE TABLE IF NOT EXISTS dm_blocks
(
    blocker_id uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    blocked_id uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);

-- One-time prekeys (kind 1: Curve25519, kind 2: Kyber). A claim deletes its row, so each is handed out once.
CREATE TABLE IF NOT EXISTS dm_prekeys
(
    user_id    uuid     NOT NULL,
    device_id  integer  NOT NULL,
    kind       smallint NOT NULL,
    key_id     integer  NOT NULL,
    public_key text     NOT NULL,
    signature  text,
    PRIMARY KEY (user_id, device_id, kind, key_id)
);

-- One row per recipient device. content: the opaque base64 envelope.
CREATE TABLE IF NOT EXISTS dm_messages
(
    id                uuid        PRIMARY KEY,
    message_id        uuid        NOT NULL,
    conversation_id   uuid        NOT NULL,
    sender_id         uuid        NOT NULL,
    sender_device     integer     NOT NULL,
    recipient_id      uuid        NOT NULL,
    recipient_device  integer     NOT NULL,
    type              smallint    NOT NULL,
    content           text        NOT NULL,
    client_message_id text        NOT NULL,
    created_at        timestamptz NOT NULL,
    delivered_at      timestamptz
);

-- A retried send (same client message id) never stores a second copy.
CREATE UNIQUE INDEX IF NOT EXISTS ux_dm_messages_client_id
    ON dm_messages (conversation_id, sender_id, client_message_id, recipient_id, recipient_device);
CREATE INDEX IF NOT EXISTS ix_dm_messages_device_history ON dm_messages (recipient_id, recipient_device, conversation_id, id DESC);
CREATE INDEX IF NOT EXISTS ix_dm_messages_device_pending ON dm_messages (recipient_id, recipient_device, id) WHERE delivered_at IS NULL;
