-- Encrypted direct-message attachments. The browser encrypts a file with a fresh key and uploads
-- only the ciphertext; the key, the file name and type travel inside the Signal message. A row
-- says which conversation an uploaded blob belongs to (its members may download it) and who
-- uploaded it (who may delete it). The bytes live in the uploads directory like channel files.

CREATE TABLE IF NOT EXISTS dm_attachments
(
    id              uuid        PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES dm_conversations (id) ON DELETE CASCADE,
    uploader_id     uuid        NOT NULL,
    sha256          text        NOT NULL,
    size            bigint      NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_dm_attachments_sha256 ON dm_attachments (sha256);
