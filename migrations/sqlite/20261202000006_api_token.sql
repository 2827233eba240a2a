-- Tokens for the REST door (/api/v1): scripts and shop back-ends. Only a
-- SHA-256 of the secret is kept; the secret is shown once, when created.
-- Revoked tokens stay listed (with when), so the admin sees what was cut off.
CREATE TABLE api_token (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
