-- Processed variants of an image, and the persisted job queue (spec sections 2 and 6).
CREATE TABLE variant (
    image_id    TEXT NOT NULL REFERENCES image (id) ON DELETE CASCADE,
    format      TEXT NOT NULL CHECK (format IN ('webp', 'avif')),
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    byte_size   BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    PRIMARY KEY (image_id, format, width)
);

CREATE TABLE job (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_by    TEXT NULL,
    locked_until BIGINT NULL,
    last_error   TEXT NULL,
    created_at   BIGINT NOT NULL
);

CREATE INDEX job_due ON job (run_at);
