-- A big original goes up in parts (S3 multipart): the store's upload id while it is pending.
ALTER TABLE image ADD COLUMN upload_id TEXT;
