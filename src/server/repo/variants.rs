//! The `variant` table: the web renditions of an image, written all at once
//! when processing finishes.

use uuid::Uuid;

use super::parse_uuid;
use crate::{
    imaging::VariantFormat,
    on_db, on_tx,
    server::{
        db::{Db, Tx},
        storage::ObjectKey,
    },
};

/// One stored rendition.
#[derive(Clone, Debug)]
pub struct Variant {
    pub image_id: Uuid,
    pub format: String,
    pub width: i64,
    pub height: i64,
    pub byte_size: i64,
    pub key: ObjectKey,
}

#[derive(sqlx::FromRow)]
struct Raw {
    image_id: String,
    format: String,
    width: i64,
    height: i64,
    byte_size: i64,
    storage_key: String,
}

/// Every variant of a product's images, narrowest first.
pub async fn for_product(db: &Db, product_id: Uuid) -> Result<Vec<Variant>, sqlx::Error> {
    let raw: Vec<Raw> = on_db!(db, p => sqlx::query_as(
        "SELECT v.image_id, v.format, v.width, v.height, v.byte_size, v.storage_key FROM variant v \
         JOIN image i ON i.id = v.image_id WHERE i.product_id = $1 ORDER BY v.width")
        .bind(product_id.to_string()).fetch_all(p).await)?;
    raw.into_iter()
        .map(|r| {
            Ok(Variant {
                image_id: parse_uuid("variant.image_id", &r.image_id)?,
                format: r.format,
                width: r.width,
                height: r.height,
                byte_size: r.byte_size,
                key: ObjectKey::from_stored(r.storage_key),
            })
        })
        .collect()
}

/// The key of the variant `file` of a ready image in a published product:
/// what `/media/…` may serve to anyone. Originals are never variants.
pub async fn published_key(db: &Db, image_id: Uuid, file: &str) -> Result<Option<ObjectKey>, sqlx::Error> {
    let keys: Vec<(String,)> = on_db!(db, p => sqlx::query_as(
        "SELECT v.storage_key FROM variant v JOIN image i ON i.id = v.image_id \
         JOIN product p ON p.id = i.product_id \
         WHERE v.image_id = $1 AND i.status = 'ready' AND p.published = TRUE")
        .bind(image_id.to_string()).fetch_all(p).await)?;
    Ok(keys
        .into_iter()
        .map(|(k,)| ObjectKey::from_stored(k))
        .find(|k| k.file_name() == file))
}

/// The key of an image's variant file, published or not (the admin's own view).
pub async fn key_of(db: &Db, image_id: Uuid, file: &str) -> Result<Option<ObjectKey>, sqlx::Error> {
    let keys: Vec<(String,)> = on_db!(db, p => sqlx::query_as("SELECT storage_key FROM variant WHERE image_id = $1")
        .bind(image_id.to_string()).fetch_all(p).await)?;
    Ok(keys
        .into_iter()
        .map(|(k,)| ObjectKey::from_stored(k))
        .find(|k| k.file_name() == file))
}

/// Every variant's image and key (for `reconcile`).
pub async fn all_keys(db: &Db) -> Result<Vec<(Uuid, ObjectKey)>, sqlx::Error> {
    let rows: Vec<(String, String)> = on_db!(db, p => sqlx::query_as("SELECT image_id, storage_key FROM variant")
        .fetch_all(p).await)?;
    rows.into_iter()
        .map(|(id, key)| Ok((parse_uuid("variant.image_id", &id)?, ObjectKey::from_stored(key))))
        .collect()
}

/// What processing stored for one width and format.
pub struct NewVariant<'a> {
    pub format: VariantFormat,
    pub width: u32,
    pub height: u32,
    pub byte_size: usize,
    pub key: &'a ObjectKey,
}

/// Replaces an image's variants, in the caller's transaction.
pub async fn replace(tx: &mut Tx, image_id: Uuid, new: &[NewVariant<'_>]) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("DELETE FROM variant WHERE image_id = $1").bind(image_id.to_string()).execute(c).await.map(|r| r.rows_affected()))?;
    for v in new {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO variant (image_id, format, width, height, byte_size, storage_key) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(image_id.to_string()).bind(v.format.as_str()).bind(i64::from(v.width)).bind(i64::from(v.height))
            .bind(v.byte_size as i64).bind(v.key.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
