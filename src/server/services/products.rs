//! Products: creation with a unique slug, listing, lookup.

use uuid::Uuid;

use super::images::{self, Audience};
use crate::{
    model::{GalleryDto, ProductDto, PublicImageDto},
    on_db,
    server::{
        db::{Db, now_ms},
        storage::{ObjectKey, Storage},
    },
    validate::{Description, ProductName, Slug},
};

/// How many numbered slugs (`chair-2`, `chair-3`, …) to try before giving up.
const SLUG_ATTEMPTS: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("{0}")]
    Invalid(String),
    #[error("product not found")]
    NotFound,
    #[error("no free slug for this name")]
    SlugExhausted,
    #[error("that slug is taken")]
    SlugTaken,
    #[error(transparent)]
    Storage(#[from] crate::server::storage::StorageError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[derive(Debug, sqlx::FromRow)]
struct ProductRow {
    id: String,
    slug: String,
    name: String,
    description: String,
    published: bool,
    image_count: i64,
    cover_image_id: Option<String>,
    /// The listing's order (and the REST door's page cursor).
    created_at: i64,
}

impl ProductRow {
    /// Ids are written only from `Uuid`s: anything else is a corrupt row, reported as one.
    fn into_dto(self) -> Result<ProductDto, sqlx::Error> {
        let uuid = |column: &str, v: &str| {
            Uuid::parse_str(v).map_err(|_| sqlx::Error::Decode(format!("{column} holds {v:?}, not a UUID").into()))
        };
        Ok(ProductDto {
            id: uuid("product.id", &self.id)?,
            slug: self.slug,
            name: self.name,
            description: self.description,
            published: self.published,
            image_count: self.image_count,
            cover_image_id: self
                .cover_image_id
                .map(|c| uuid("product.cover_image_id", &c))
                .transpose()?,
            cover_url: None,
        })
    }
}

const SELECT: &str = "SELECT p.id, p.slug, p.name, p.description, p.published, p.cover_image_id, p.created_at, \
     (SELECT COUNT(*) FROM image i WHERE i.product_id = p.id) AS image_count FROM product p";

#[tracing::instrument(skip(db))]
pub async fn create(db: &Db, raw_name: &str) -> Result<ProductDto, ProductError> {
    let name = ProductName::parse(raw_name).map_err(ProductError::Invalid)?;
    let base = name.slug().as_str().to_string();
    let id = Uuid::new_v4();
    let now = now_ms();
    for n in 1..=SLUG_ATTEMPTS {
        let slug = if n == 1 { base.clone() } else { format!("{base}-{n}") };
        let res = on_db!(db, p => sqlx::query(
            "INSERT INTO product (id, slug, name, description, published, created_at, updated_at) \
             VALUES ($1, $2, $3, '', FALSE, $4, $4)")
            .bind(id.to_string()).bind(&slug).bind(name.as_str()).bind(now)
            .execute(p).await.map(|r| r.rows_affected()));
        match res {
            Ok(_) => return get(db, id).await,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ProductError::SlugExhausted)
}

pub async fn list(db: &Db) -> Result<Vec<ProductDto>, ProductError> {
    let sql = format!("{SELECT} ORDER BY p.created_at DESC, p.id");
    let rows: Vec<ProductRow> = on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await)?;
    Ok(rows.into_iter().map(ProductRow::into_dto).collect::<Result<_, _>>()?)
}

/// Where a page of the listing resumes: after this product (newest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    created_at: i64,
    id: Uuid,
}

impl Cursor {
    /// An opaque string from [`Cursor::encode`], or the reason it is not one.
    pub fn parse(raw: &str) -> Result<Self, ProductError> {
        let bad = || ProductError::Invalid("the cursor is not one this API gave".into());
        let (t, id) = raw.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            created_at: t.parse().map_err(|_| bad())?,
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at, self.id.simple())
    }
}

/// Up to `limit` products after `after`, and the cursor of the next page if there is one.
pub async fn page(
    db: &Db,
    after: Option<Cursor>,
    limit: u32,
) -> Result<(Vec<ProductDto>, Option<Cursor>), ProductError> {
    let (t, id) = after.map_or((i64::MAX, String::new()), |c| (c.created_at, c.id.to_string()));
    let sql = format!(
        "{SELECT} WHERE p.created_at < $1 OR (p.created_at = $1 AND p.id > $2) \
         ORDER BY p.created_at DESC, p.id LIMIT $3"
    );
    let rows: Vec<ProductRow> =
        on_db!(db, p => sqlx::query_as(&sql).bind(t).bind(&id).bind(i64::from(limit) + 1).fetch_all(p).await)?;
    let more = rows.len() > limit as usize;
    let mut items = Vec::with_capacity(rows.len());
    let mut last = None;
    for row in rows.into_iter().take(limit as usize) {
        let created_at = row.created_at;
        let dto = row.into_dto()?;
        last = Some(Cursor { created_at, id: dto.id });
        items.push(dto);
    }
    Ok((items, last.filter(|_| more)))
}

/// A product by id, or by slug when `key` is not an id.
pub async fn find(db: &Db, key: &str) -> Result<ProductDto, ProductError> {
    if let Ok(id) = Uuid::parse_str(key) {
        return get(db, id).await;
    }
    // Only a well-formed slug can name a product (and text PostgreSQL refuses, like NUL, never reaches it).
    let slug = Slug::parse(key).map_err(|_| ProductError::NotFound)?;
    let sql = format!("{SELECT} WHERE p.slug = $1");
    let row: Option<ProductRow> = on_db!(db, p => sqlx::query_as(&sql).bind(slug.as_str()).fetch_optional(p).await)?;
    row.map(ProductRow::into_dto).transpose()?.ok_or(ProductError::NotFound)
}

pub async fn get(db: &Db, id: Uuid) -> Result<ProductDto, ProductError> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    let row: Option<ProductRow> = on_db!(db, p => sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(p).await)?;
    row.map(ProductRow::into_dto).transpose()?.ok_or(ProductError::NotFound)
}

/// Changes name, slug and description.
pub async fn update(db: &Db, id: Uuid, name: &str, slug: &str, description: &str) -> Result<ProductDto, ProductError> {
    let name = ProductName::parse(name).map_err(ProductError::Invalid)?;
    let slug = Slug::parse(slug).map_err(ProductError::Invalid)?;
    let description = Description::parse(description).map_err(ProductError::Invalid)?;
    get(db, id).await?;
    let res = on_db!(db, p => sqlx::query("UPDATE product SET name = $1, slug = $2, description = $3, updated_at = $4 WHERE id = $5")
        .bind(name.as_str()).bind(slug.as_str()).bind(description.as_str()).bind(now_ms()).bind(id.to_string()).execute(p).await.map(|_| ()));
    match res {
        Ok(()) => get(db, id).await,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(ProductError::SlugTaken),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_published(db: &Db, id: Uuid, published: bool) -> Result<ProductDto, ProductError> {
    get(db, id).await?;
    on_db!(db, p => sqlx::query("UPDATE product SET published = $1, updated_at = $2 WHERE id = $3")
        .bind(published).bind(now_ms()).bind(id.to_string()).execute(p).await.map(|_| ()))?;
    get(db, id).await
}

/// Makes an image of the product its cover (the schema keeps it one of its own).
pub async fn set_cover(db: &Db, id: Uuid, image_id: Uuid) -> Result<(), sqlx::Error> {
    on_db!(db, p => sqlx::query("UPDATE product SET cover_image_id = $1, updated_at = $2 WHERE id = $3")
        .bind(image_id.to_string()).bind(now_ms()).bind(id.to_string()).execute(p).await.map(|_| ()))
}

/// Deletes every object under the product's folder, then the product (images and variants cascade).
#[tracing::instrument(skip(db, storage))]
pub async fn delete(db: &Db, storage: &Storage, id: Uuid) -> Result<(), ProductError> {
    get(db, id).await?;
    storage.delete_prefix(&ObjectKey::product_folder(id)).await?;
    on_db!(db, p => sqlx::query("DELETE FROM product WHERE id = $1").bind(id.to_string()).execute(p).await.map(|_| ()))?;
    Ok(())
}

/// The cover (chosen, else the first ready image) goes first; the rest keep their order.
pub fn cover_first(product: &ProductDto, mut list: Vec<crate::model::ImageDto>) -> Vec<crate::model::ImageDto> {
    if let Some(i) = product
        .cover_image_id
        .and_then(|c| list.iter().position(|img| img.id == c))
    {
        let cover = list.remove(i);
        list.insert(0, cover);
    }
    list
}

/// Published products for the home page, each with a small rendition of its cover.
pub async fn list_published(db: &Db, storage: &Storage) -> Result<Vec<ProductDto>, ProductError> {
    let sql = format!("{SELECT} WHERE p.published = TRUE ORDER BY p.created_at DESC, p.id");
    let rows: Vec<ProductRow> = on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await)?;
    let mut out = Vec::new();
    for row in rows {
        let mut product = row.into_dto()?;
        let list = images::list_dtos(db, storage, product.id, Audience::Visitor, true).await?;
        // Visitors count what they can see: ready images.
        product.image_count = list.len() as i64;
        product.cover_url = cover_first(&product, list).first().and_then(|c| {
            c.variants
                .iter()
                .find(|v| v.width >= 800)
                .or(c.variants.last())
                .map(|v| v.url.clone())
        });
        out.push(product);
    }
    Ok(out)
}

/// A published product's gallery: ready images only, cover first, then in order.
pub async fn public_gallery(db: &Db, storage: &Storage, slug: &str) -> Result<GalleryDto, ProductError> {
    let sql = format!("{SELECT} WHERE p.slug = $1 AND p.published = TRUE");
    let row: Option<ProductRow> = on_db!(db, p => sqlx::query_as(&sql).bind(slug).fetch_optional(p).await)?;
    let product = row
        .map(ProductRow::into_dto)
        .transpose()?
        .ok_or(ProductError::NotFound)?;
    let images = images::list_dtos(db, storage, product.id, Audience::Visitor, true).await?;
    let images: Vec<PublicImageDto> = cover_first(&product, images)
        .into_iter()
        .map(|img| PublicImageDto::of(img, &product.name))
        .collect();
    let mut product = product;
    product.image_count = images.len() as i64;
    Ok(GalleryDto { images, product })
}
