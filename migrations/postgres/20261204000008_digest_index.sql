-- The duplicate and resume checks of every upload batch look files up by
-- SHA-256 within one product: without this index they scanned the product's rows.
CREATE INDEX image_by_product_digest ON image (product_id, sha256);
