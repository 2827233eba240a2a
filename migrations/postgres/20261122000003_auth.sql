-- Admin accounts, database-backed sessions (they survive restarts and work
-- across instances) and failed sign-in counts for slowing down guessing.
CREATE TABLE app_user (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

-- Only a SHA-256 of the session token is stored: a leaked table opens no session.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE login_failure (
    email    TEXT PRIMARY KEY NOT NULL,
    failures BIGINT NOT NULL,
    last_at  BIGINT NOT NULL
);
