-- Two-factor authentication with an authenticator app (TOTP, RFC 6238) and backup codes.
-- totp_secret is sealed by the Api (AES-256-GCM under MFA_SECRET_KEY), never stored in clear;
-- totp_last_step is the newest 30-second step a code was accepted for, so a code works once.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS totp_secret bytea;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS totp_last_step bigint;

-- One-use backup codes, stored as SHA-256 of the normalised code. Replaced as a set.
CREATE TABLE IF NOT EXISTS mfa_backup_codes
(
    user_id   uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash bytea       NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
