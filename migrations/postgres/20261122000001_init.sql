-- Products and their images (spec section 2). Times are Unix milliseconds.
CREATE TABLE product (
    id             TEXT PRIMARY KEY NOT NULL,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    published      BOOLEAN NOT NULL DEFAULT FALSE,
    cover_image_id TEXT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE image (
    id                TEXT PRIMARY KEY NOT NULL,
    product_id        TEXT NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    position          BIGINT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'uploaded', 'processing', 'ready', 'failed')),
    original_filename TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    byte_size         BIGINT NOT NULL,
    storage_key       TEXT NOT NULL UNIQUE,
    sha256            TEXT NULL,
    width             BIGINT NULL,
    height            BIGINT NULL,
    alt_text          TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    tags              TEXT NOT NULL DEFAULT '',
    thumbhash         TEXT NULL,
    error             TEXT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    upload_expires_at BIGINT NULL,
    created_at        BIGINT NOT NULL,
    uploaded_at       BIGINT NULL,
    processed_at      BIGINT NULL,
    UNIQUE (product_id, id)
);

-- One column holds the cover, so a product has at most one; the pair key makes it one of
-- the product's own images. Deferred, so a transaction can clear it and delete the image.
ALTER TABLE product ADD CONSTRAINT product_cover_fk
    FOREIGN KEY (id, cover_image_id) REFERENCES image (product_id, id) DEFERRABLE INITIALLY DEFERRED;

CREATE INDEX image_by_product_position ON image (product_id, position);
CREATE INDEX image_pending_expiry ON image (status, upload_expires_at);
