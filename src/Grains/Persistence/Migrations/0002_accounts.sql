-- Accounts, login sessions and their refresh tokens (stored hashed, never in clear).

CREATE TABLE IF NOT EXISTS accounts
(
    id            uuid        PRIMARY KEY,
    username      text        NOT NULL,
    display_name  text        NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_accounts_username ON accounts (lower(username));

CREATE TABLE IF NOT EXISTS sessions
(
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    user_agent    text,
    ip_address    text,
    revoked_at    timestamptz,
    revoke_reason text
);

CREATE INDEX IF NOT EXISTS ix_sessions_user ON sessions (user_id, created_at DESC);

-- Every refresh token ever issued for a session (the family). used_at marks a retired token:
-- presenting it again is reuse and revokes the session.
CREATE TABLE IF NOT EXISTS refresh_tokens
(
    token_hash bytea       PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    generation integer     NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    UNIQUE (session_id, generation)
);
