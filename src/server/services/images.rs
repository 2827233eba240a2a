//! What the UI shows of images: rows from `repo::images` with their variants'
//! URLs, and the original's URL for the admin only.

use std::collections::HashMap;

use uuid::Uuid;

use super::uploads::UploadError;
use crate::{
    imaging::thumbhash_placeholder_png,
    model::{ImageDto, ImageStatus, VariantDto},
    server::{
        db::Db,
        repo::{images::Image, variants},
        storage::{ORIGINAL_VIEW_TTL, Storage},
    },
    validate::ImageText,
};

pub use crate::server::repo::images::{awaits_original, find};

/// Who is looking: the admin also sees originals; visitors only variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The REST API: everything, with each ready image's placeholder as a PNG.
    Admin,
    /// The admin's own product page: as `Admin` without the placeholder PNGs,
    /// which it never draws (its cards show a plain box until an image is
    /// ready). They were two thirds of a 1,000-image listing, fetched every
    /// few seconds while a batch uploads, and a PNG encoded per image per listing.
    /// Nor the original's URL, which the compare view asks for when opened.
    AdminPage,
    Visitor,
}

/// The admin's DTO without variants (see `list_dtos` for the full gallery).
/// An image as it reads once `text` is stored (what `gallery::update_text` writes).
pub fn with_text(image: ImageDto, text: ImageText) -> ImageDto {
    ImageDto {
        alt_text: text.alt_text,
        title: text.title,
        description: text.description,
        tags: text.tags,
        ..image
    }
}

pub async fn to_dto(image: Image, storage: &Storage) -> ImageDto {
    to_dto_with(image, storage, Vec::new(), Audience::Admin).await
}

async fn to_dto_with(image: Image, storage: &Storage, variants: Vec<VariantDto>, who: Audience) -> ImageDto {
    let has_original = matches!(
        image.status,
        ImageStatus::Uploaded | ImageStatus::Processing | ImageStatus::Ready
    );
    // The admin page asks for the original's URL when its compare view opens
    // (`original_url`): signing every original at every listing was a third of
    // the listing's bytes and its server time while a big drop was uploading.
    let original_url = if has_original && who == Audience::Admin {
        storage.presign_get(&image.key, ORIGINAL_VIEW_TTL).await.ok()
    } else {
        None
    };
    ImageDto {
        id: image.id,
        product_id: image.product_id,
        status: image.status,
        original_filename: image.original_filename,
        content_type: image.content_type,
        byte_size: image.byte_size,
        alt_text: image.alt_text,
        title: image.title,
        description: image.description,
        tags: image.tags,
        error: image.error,
        attempts: image.attempts,
        original_url,
        width: image.width,
        height: image.height,
        // The PNG costs CPU per image and kilobytes per page: visitors' pages
        // draw the thumbhash themselves (`public/thumbhash.js`).
        placeholder: if who == Audience::Admin {
            image.thumbhash.as_deref().and_then(thumbhash_placeholder_png)
        } else {
            None
        },
        thumbhash: image.thumbhash,
        variants,
    }
}

/// A short-lived URL of an image's original, once it is stored (the admin's
/// compare view); not found while the upload is unfinished or after it failed.
pub async fn original_url(db: &Db, storage: &Storage, image_id: Uuid) -> Result<String, UploadError> {
    match find(db, image_id).await? {
        Some(i)
            if matches!(
                i.status,
                ImageStatus::Uploaded | ImageStatus::Processing | ImageStatus::Ready
            ) =>
        {
            Ok(storage.presign_get(&i.key, ORIGINAL_VIEW_TTL).await?)
        }
        _ => Err(UploadError::NotFound),
    }
}

/// The gallery with variants and their URLs; visitors see ready images only,
/// with stable URLs (see `Storage::visitor_url`); the admin gets presigned ones.
pub async fn list_dtos(
    db: &Db,
    storage: &Storage,
    product_id: Uuid,
    who: Audience,
    use_url_cache: bool,
) -> Result<Vec<ImageDto>, sqlx::Error> {
    let rows = crate::server::repo::images::list_for_product(db, product_id).await?;
    let mut by_image: HashMap<Uuid, Vec<VariantDto>> = HashMap::new();
    for v in variants::for_product(db, product_id).await? {
        // The admin's page takes the same short paths as visitors' (`/media` lets
        // the signed-in admin see unpublished ones): no signature per variant per
        // listing, and URLs its browser keeps from one listing to the next.
        let url = match who {
            Audience::Admin => storage.variant_url(&v.key, use_url_cache).await.ok(),
            Audience::AdminPage | Audience::Visitor => storage.visitor_url(&v.key),
        };
        let Some(url) = url else { continue };
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
        if who == Audience::Visitor && row.status != ImageStatus::Ready {
            continue;
        }
        let variants = by_image.remove(&row.id).unwrap_or_default();
        out.push(to_dto_with(row, storage, variants, who).await);
    }
    Ok(out)
}

/// The image that stands for a product: its chosen cover when that is ready,
/// else the first ready image in display order.
pub fn primary(cover: Option<Uuid>, list: &[ImageDto]) -> Option<&ImageDto> {
    let ready = |img: &&ImageDto| img.status == ImageStatus::Ready;
    cover
        .and_then(|c| list.iter().filter(ready).find(|img| img.id == c))
        .or_else(|| list.iter().find(ready))
}
