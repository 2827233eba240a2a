//! Image rows: reading them and turning them into what the admin UI shows.

use uuid::Uuid;

use crate::{
    model::{ImageDto, ImageStatus},
    on_db,
    server::{
        db::Db,
        storage::{ORIGINAL_VIEW_TTL, ObjectKey, Storage},
    },
};

/// Room left between neighbours' ordering keys, so a later move writes one row.
pub const POSITION_GAP: i64 = 1024;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImageRow {
    pub id: String,
    pub product_id: String,
    pub position: i64,
    pub status: String,
    pub original_filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub storage_key: String,
    pub alt_text: String,
    pub error: Option<String>,
    pub upload_expires_at: Option<i64>,
}

pub const IMAGE_COLUMNS: &str = "id, product_id, position, status, original_filename, content_type, \
     byte_size, storage_key, alt_text, error, upload_expires_at";

impl ImageRow {
    pub fn id(&self) -> Uuid {
        Uuid::parse_str(&self.id).unwrap_or_default()
    }

    pub fn status(&self) -> ImageStatus {
        ImageStatus::parse(&self.status).unwrap_or(ImageStatus::Failed)
    }

    pub fn key(&self) -> ObjectKey {
        ObjectKey::from_stored(self.storage_key.clone())
    }

    /// The DTO; originals that are in storage get a short-lived view URL.
    pub async fn into_dto(self, storage: &Storage) -> ImageDto {
        let status = self.status();
        let has_original = matches!(
            status,
            ImageStatus::Uploaded | ImageStatus::Processing | ImageStatus::Ready
        );
        let original_url = if has_original {
            storage.presign_get(&self.key(), ORIGINAL_VIEW_TTL).await.ok()
        } else {
            None
        };
        ImageDto {
            id: self.id(),
            product_id: Uuid::parse_str(&self.product_id).unwrap_or_default(),
            status,
            original_filename: self.original_filename,
            content_type: self.content_type,
            byte_size: self.byte_size,
            alt_text: self.alt_text,
            error: self.error,
            original_url,
        }
    }
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<ImageRow>, sqlx::Error> {
    let sql = format!("SELECT {IMAGE_COLUMNS} FROM image WHERE id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(p).await)
}

/// A product's images in gallery order.
pub async fn list_for_product(db: &Db, product_id: Uuid) -> Result<Vec<ImageRow>, sqlx::Error> {
    let sql = format!("SELECT {IMAGE_COLUMNS} FROM image WHERE product_id = $1 ORDER BY position, created_at, id");
    on_db!(db, p => sqlx::query_as(&sql).bind(product_id.to_string()).fetch_all(p).await)
}

pub async fn list_dtos(db: &Db, storage: &Storage, product_id: Uuid) -> Result<Vec<ImageDto>, sqlx::Error> {
    let rows = list_for_product(db, product_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(row.into_dto(storage).await);
    }
    Ok(out)
}

/// The ordering key after the product's last image.
pub async fn next_position(db: &Db, product_id: Uuid) -> Result<i64, sqlx::Error> {
    let max: Option<i64> = on_db!(db, p => sqlx::query_scalar("SELECT MAX(position) FROM image WHERE product_id = $1")
        .bind(product_id.to_string()).fetch_one(p).await)?;
    Ok(max.map_or(POSITION_GAP, |m| m + POSITION_GAP))
}
