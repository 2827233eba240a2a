//! Editing a product's gallery through the REST door: an image's text, its
//! place in the display order, the cover, and deleting images one at a time or
//! in bulk. The same `gallery` service calls as the admin's page.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiResult, Body, Problem, ProblemBody, id};
use crate::{
    error::AppError,
    model::{BatchResult, ImageDto},
    server::{
        services::{gallery, images, products},
        web::{caller::Caller, state::AppState},
    },
    validate::ImageText,
};

/// The fields to change; the ones left out keep their value.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TextChange {
    alt_text: Option<String>,
    title: Option<String>,
    description: Option<String>,
    tags: Option<Vec<String>>,
}

/// Where an image goes: its index in the display order (0 is first; past the end is last).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Place {
    index: usize,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ImageIds {
    image_ids: Vec<Uuid>,
}

/// The product's id and the image, or 404 for either.
async fn image_of(st: &AppState, key: &str, image: &str) -> Result<(Uuid, ImageDto), Problem> {
    let image_id = id(image)?;
    let p = products::find(&st.db, key).await?;
    let list = images::list_dtos(&st.db, &st.storage, p.id, images::Audience::Admin, true).await?;
    let found = list.into_iter().find(|i| i.id == image_id).ok_or(AppError::NotFound)?;
    Ok((p.id, found))
}

#[utoipa::path(
    patch,
    path = "/api/v1/products/{product}/images/{image}",
    tag = "images",
    params(
        ("product" = String, Path, description = "The product's id or slug"),
        ("image" = String, Path, description = "The image's id")
    ),
    request_body = TextChange,
    responses(
        (status = 200, description = "The image with its new text", body = ImageDto),
        (status = 400, description = "Text too long, or the body is not valid JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product or image", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The JSON has the wrong shape", body = ProblemBody, content_type = "application/problem+json")
    )
)]
/// Changes an image's alt text, title, description or tags.
pub async fn update(
    State(st): State<AppState>,
    caller: Caller,
    Path((key, image)): Path<(String, String)>,
    Body(change): Body<TextChange>,
) -> ApiResult<Json<ImageDto>> {
    caller.writer()?;
    let (product_id, old) = image_of(&st, &key, &image).await?;
    let text = ImageText::parse(
        change.alt_text.as_deref().unwrap_or(&old.alt_text),
        change.title.as_deref().unwrap_or(&old.title),
        change.description.as_deref().unwrap_or(&old.description),
        change.tags.as_deref().unwrap_or(&old.tags),
    )
    .map_err(AppError::Invalid)?;
    gallery::update_text(&st.db, product_id, old.id, text.clone()).await?;
    Ok(Json(images::with_text(old, text)))
}

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/images/{image}/place",
    tag = "images",
    params(
        ("product" = String, Path, description = "The product's id or slug"),
        ("image" = String, Path, description = "The image's id")
    ),
    request_body = Place,
    responses(
        (status = 204, description = "Moved"),
        (status = 400, description = "The body is not valid JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product or image", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The JSON has the wrong shape", body = ProblemBody, content_type = "application/problem+json")
    )
)]
/// Puts an image at an index of the display order.
pub async fn place(
    State(st): State<AppState>,
    caller: Caller,
    Path((key, image)): Path<(String, String)>,
    Body(to): Body<Place>,
) -> ApiResult<StatusCode> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    gallery::place_image(&st.db, p.id, id(&image)?, to.index).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/images/{image}/cover",
    tag = "images",
    params(
        ("product" = String, Path, description = "The product's id or slug"),
        ("image" = String, Path, description = "The image's id")
    ),
    responses(
        (status = 204, description = "The image is the product's cover"),
        (status = 400, description = "The image is not ready", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product or image", body = ProblemBody, content_type = "application/problem+json")
    )
)]
/// Makes a ready image the product's cover.
pub async fn cover(
    State(st): State<AppState>,
    caller: Caller,
    Path((key, image)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    gallery::set_cover(&st.db, p.id, id(&image)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete,
    path = "/api/v1/products/{product}/images/{image}",
    tag = "images",
    params(
        ("product" = String, Path, description = "The product's id or slug"),
        ("image" = String, Path, description = "The image's id")
    ),
    responses(
        (status = 204, description = "Deleted, with its original and variants"),
        (status = 503, description = "Storage refused the delete; nothing was removed", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product or image", body = ProblemBody, content_type = "application/problem+json")
    )
)]
/// Deletes one image and every object it has.
pub async fn remove(
    State(st): State<AppState>,
    caller: Caller,
    Path((key, image)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    gallery::delete_image(&st.db, &st.storage, p.id, id(&image)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/images/delete",
    tag = "images",
    params(("product" = String, Path, description = "The product's id or slug")),
    request_body = ImageIds,
    responses(
        (status = 200, description = "Each image deleted, or the reason it was not", body = BatchResult<Uuid>),
        (status = 400, description = "The body is not valid JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The JSON has the wrong shape", body = ProblemBody, content_type = "application/problem+json")
    )
)]
/// Deletes many images at once; one that cannot go never stops the others.
pub async fn remove_many(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Body(req): Body<ImageIds>,
) -> ApiResult<Json<BatchResult<Uuid>>> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    Ok(Json(
        gallery::delete_images(&st.db, &st.storage, p.id, req.image_ids).await,
    ))
}
