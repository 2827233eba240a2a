//! Image rows: reading them and turning them into what the UI shows.

use std::collections::HashMap;

use uuid::Uuid;

use crate::{
    model::{ImageDto, ImageStatus, VariantDto},
    on_db,
    server::{
        db::Db,
        imaging::thumbhash_placeholder_png,
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
    pub title: String,
    pub description: String,
    pub tags: String,
    pub error: Option<String>,
    pub upload_expires_at: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumbhash: Option<String>,
    /// The digest the upload ticket bound (storage refused any other bytes).
    pub sha256: Option<String>,
}

pub const IMAGE_COLUMNS: &str = "id, product_id, position, status, original_filename, content_type, \
     byte_size, storage_key, alt_text, title, description, tags, error, upload_expires_at, width, height, thumbhash, \
     sha256";

#[derive(Clone, Debug, sqlx::FromRow)]
struct VariantRow {
    image_id: String,
    format: String,
    width: i64,
    height: i64,
    byte_size: i64,
    storage_key: String,
}

/// Who is looking: the admin also sees originals; visitors only variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Admin,
    Visitor,
}

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

    /// The DTO without variants (see `list_dtos` for the full gallery).
    pub async fn into_dto(self, storage: &Storage) -> ImageDto {
        self.into_dto_with(storage, Vec::new(), Audience::Admin).await
    }

    async fn into_dto_with(self, storage: &Storage, variants: Vec<VariantDto>, who: Audience) -> ImageDto {
        let status = self.status();
        let has_original = matches!(
            status,
            ImageStatus::Uploaded | ImageStatus::Processing | ImageStatus::Ready
        );
        let original_url = if has_original && who == Audience::Admin {
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
            title: self.title,
            description: self.description,
            tags: self
                .tags
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            error: self.error,
            original_url,
            width: self.width,
            height: self.height,
            placeholder: self.thumbhash.as_deref().and_then(thumbhash_placeholder_png),
            variants,
        }
    }
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<ImageRow>, sqlx::Error> {
    let sql = format!("SELECT {IMAGE_COLUMNS} FROM image WHERE id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(p).await)
}

/// True while an image waits for its original at `key` (a ticket may still write it).
pub async fn awaits_original(db: &Db, key: &str) -> bool {
    let Some(image_id) = ObjectKey::image_of_original(key) else {
        return false;
    };
    let found: Result<i64, sqlx::Error> = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM image WHERE id = $1 AND storage_key = $2 AND status = 'pending'")
        .bind(image_id.to_string()).bind(key).fetch_one(p).await);
    matches!(found, Ok(n) if n > 0)
}

/// A product's images in gallery order.
pub async fn list_for_product(db: &Db, product_id: Uuid) -> Result<Vec<ImageRow>, sqlx::Error> {
    let sql = format!("SELECT {IMAGE_COLUMNS} FROM image WHERE product_id = $1 ORDER BY position, created_at, id");
    on_db!(db, p => sqlx::query_as(&sql).bind(product_id.to_string()).fetch_all(p).await)
}

/// The gallery with variants and their URLs; visitors see ready images only.
pub async fn list_dtos(
    db: &Db,
    storage: &Storage,
    product_id: Uuid,
    who: Audience,
    use_url_cache: bool,
) -> Result<Vec<ImageDto>, sqlx::Error> {
    let rows = list_for_product(db, product_id).await?;
    let variant_rows: Vec<VariantRow> = on_db!(db, p => sqlx::query_as(
        "SELECT v.image_id, v.format, v.width, v.height, v.byte_size, v.storage_key FROM variant v \
         JOIN image i ON i.id = v.image_id WHERE i.product_id = $1 ORDER BY v.width")
        .bind(product_id.to_string()).fetch_all(p).await)?;
    let mut by_image: HashMap<String, Vec<VariantDto>> = HashMap::new();
    for v in variant_rows {
        let Ok(url) = storage
            .variant_url(&ObjectKey::from_stored(v.storage_key), use_url_cache)
            .await
        else {
            continue;
        };
        by_image.entry(v.image_id).or_default().push(VariantDto {
            format: v.format,
            width: v.width,
            height: v.height,
            byte_size: v.byte_size,
            url,
        });
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if who == Audience::Visitor && row.status() != ImageStatus::Ready {
            continue;
        }
        let variants = by_image.remove(&row.id).unwrap_or_default();
        out.push(row.into_dto_with(storage, variants, who).await);
    }
    Ok(out)
}

/// The ordering key after the product's last image.
pub async fn next_position(db: &Db, product_id: Uuid) -> Result<i64, sqlx::Error> {
    let max: Option<i64> = on_db!(db, p => sqlx::query_scalar("SELECT MAX(position) FROM image WHERE product_id = $1")
        .bind(product_id.to_string()).fetch_one(p).await)?;
    Ok(max.map_or(POSITION_GAP, |m| m + POSITION_GAP))
}
