//! Products: creation with a unique slug, listing, lookup.

use uuid::Uuid;

use super::images::{self, Audience};
use crate::{
    model::{GalleryDto, ProductDto},
    on_db,
    server::{
        db::{Db, now_ms},
        storage::Storage,
    },
    validate::ProductName,
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
}

impl ProductRow {
    fn into_dto(self) -> ProductDto {
        ProductDto {
            id: Uuid::parse_str(&self.id).unwrap_or_default(),
            slug: self.slug,
            name: self.name,
            description: self.description,
            published: self.published,
            image_count: self.image_count,
        }
    }
}

const SELECT: &str = "SELECT p.id, p.slug, p.name, p.description, p.published, \
     (SELECT COUNT(*) FROM image i WHERE i.product_id = p.id) AS image_count FROM product p";

#[tracing::instrument(skip(db))]
pub async fn create(db: &Db, raw_name: &str) -> Result<ProductDto, ProductError> {
    let name = ProductName::parse(raw_name).map_err(ProductError::Invalid)?;
    let base = name.slug();
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
    Ok(rows.into_iter().map(ProductRow::into_dto).collect())
}

pub async fn get(db: &Db, id: Uuid) -> Result<ProductDto, ProductError> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    let row: Option<ProductRow> = on_db!(db, p => sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(p).await)?;
    row.map(ProductRow::into_dto).ok_or(ProductError::NotFound)
}

/// A product's public gallery: ready images only, in order.
pub async fn public_gallery(db: &Db, storage: &Storage, slug: &str) -> Result<GalleryDto, ProductError> {
    let sql = format!("{SELECT} WHERE p.slug = $1");
    let row: Option<ProductRow> = on_db!(db, p => sqlx::query_as(&sql).bind(slug).fetch_optional(p).await)?;
    let product = row.map(ProductRow::into_dto).ok_or(ProductError::NotFound)?;
    let images = images::list_dtos(db, storage, product.id, Audience::Visitor, true).await?;
    Ok(GalleryDto { product, images })
}
