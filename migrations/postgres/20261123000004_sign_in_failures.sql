-- Failed sign-ins are counted per email *and* client address: a guesser slows
-- down only itself, never the account's owner signing in from elsewhere. Each
-- attempt is counted before its password is checked (one atomic upsert), and
-- blocked_until says when the pair may try again.
DROP TABLE login_failure;

CREATE TABLE sign_in_failure (
    email         TEXT NOT NULL,
    client        TEXT NOT NULL,
    failures      BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    PRIMARY KEY (email, client)
);
