//! A product's gallery as the admin manages it: list, order, cover, text,
//! delete, reprocess.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::ssr::admin;
#[cfg(feature = "ssr")]
use crate::server::services::{gallery, images};
use crate::{
    error::AppError,
    model::{BatchResult, ImageDto},
};

#[server(prefix = "/api", endpoint = "list_images", input = Json)]
pub async fn list_images(product_id: Uuid) -> Result<Vec<ImageDto>, AppError> {
    let st = admin().await?;
    Ok(images::list_dtos(&st.db, &st.storage, product_id, images::Audience::AdminPage, true).await?)
}

/// A short-lived URL of an image's original (the compare view asks when opened).
#[server(prefix = "/api", endpoint = "original_url", input = Json)]
pub async fn original_url(image_id: Uuid) -> Result<String, AppError> {
    let st = admin().await?;
    Ok(images::original_url(&st.db, &st.storage, image_id).await?)
}

#[server(prefix = "/api", endpoint = "move_image", input = Json)]
pub async fn move_image(product_id: Uuid, image_id: Uuid, step: i32) -> Result<(), AppError> {
    let st = admin().await?;
    Ok(gallery::move_image(&st.db, product_id, image_id, step).await?)
}

/// Puts an image at a gallery index (drag and drop).
#[server(prefix = "/api", endpoint = "place_image", input = Json)]
pub async fn place_image(product_id: Uuid, image_id: Uuid, index: usize) -> Result<(), AppError> {
    let st = admin().await?;
    Ok(gallery::place_image(&st.db, product_id, image_id, index).await?)
}

#[server(prefix = "/api", endpoint = "set_cover", input = Json)]
pub async fn set_cover(product_id: Uuid, image_id: Uuid) -> Result<(), AppError> {
    let st = admin().await?;
    Ok(gallery::set_cover(&st.db, product_id, image_id).await?)
}

#[server(prefix = "/api", endpoint = "update_image_text", input = Json)]
pub async fn update_image_text(
    product_id: Uuid,
    image_id: Uuid,
    alt_text: String,
    title: String,
    description: String,
    tags: Vec<String>,
) -> Result<(), AppError> {
    let st = admin().await?;
    let text = crate::validate::ImageText::parse(&alt_text, &title, &description, &tags)
        .map_err(|e| crate::error::ssr::with_status(AppError::Invalid(e)))?;
    Ok(gallery::update_text(&st.db, product_id, image_id, text).await?)
}

#[server(prefix = "/api", endpoint = "delete_images", input = Json)]
pub async fn delete_images(product_id: Uuid, image_ids: Vec<Uuid>) -> Result<BatchResult<Uuid>, AppError> {
    let st = admin().await?;
    Ok(gallery::delete_images(&st.db, &st.storage, product_id, image_ids).await)
}

/// Processes images again (all of the product's when `image_ids` is empty); returns how many were queued.
#[server(prefix = "/api", endpoint = "reprocess_images", input = Json)]
pub async fn reprocess_images(product_id: Uuid, image_ids: Vec<Uuid>) -> Result<usize, AppError> {
    let st = admin().await?;
    Ok(gallery::reprocess(&st.db, &st.storage, product_id, image_ids).await?)
}
