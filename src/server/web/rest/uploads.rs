//! A product's images through the REST door: the gallery in display order
//! (with its `primary_image`, the shape single-image clients expect), the
//! presigned upload flow (begin, PUT to storage, complete; renew; cancel) and
//! reprocessing. The same service calls as the browser's uploader.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiResult, Body, id};
use crate::{
    model::{BatchResult, FileSpec, ImageDto, UploadTicket},
    server::{
        services::{gallery, images, products, uploads},
        web::{caller::Caller, state::AppState},
    },
};

#[derive(Serialize)]
pub struct ProductImages {
    product_id: Uuid,
    /// The image that stands for the product: its cover when that is ready,
    /// else the first ready image; `null` while none is ready.
    primary_image: Option<ImageDto>,
    /// Every image, in display order, whatever its status.
    images: Vec<ImageDto>,
}

pub async fn images(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ProductImages>> {
    caller.reader()?;
    let p = products::find(&st.db, &key).await?;
    let list = images::list_dtos(&st.db, &st.storage, p.id, images::Audience::Admin, true).await?;
    Ok(Json(ProductImages {
        product_id: p.id,
        primary_image: images::primary(p.cover_image_id, &list).cloned(),
        images: list,
    }))
}

#[derive(Deserialize)]
pub struct Begin {
    files: Vec<FileSpec>,
}

/// Tickets for a batch of files: `{successful, failed, total_requested, total_successful, total_failed}`.
pub async fn begin(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Body(req): Body<Begin>,
) -> ApiResult<Json<BatchResult<UploadTicket>>> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    Ok(Json(
        uploads::begin(&st.db, &st.storage, st.uploads, p.id, req.files).await?,
    ))
}

pub async fn complete(
    State(st): State<AppState>,
    caller: Caller,
    Path(image): Path<String>,
) -> ApiResult<Json<ImageDto>> {
    caller.writer()?;
    Ok(Json(uploads::complete(&st.db, &st.storage, id(&image)?).await?))
}

pub async fn renew(
    State(st): State<AppState>,
    caller: Caller,
    Path(image): Path<String>,
) -> ApiResult<Json<UploadTicket>> {
    caller.writer()?;
    Ok(Json(
        uploads::renew(&st.db, &st.storage, st.uploads, id(&image)?).await?,
    ))
}

pub async fn cancel(State(st): State<AppState>, caller: Caller, Path(image): Path<String>) -> ApiResult<StatusCode> {
    caller.writer()?;
    uploads::cancel(&st.db, &st.storage, id(&image)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Reprocess {
    /// Which images; all of the product's ready and failed ones when empty or absent.
    #[serde(default)]
    image_ids: Vec<Uuid>,
}

#[derive(Serialize)]
pub struct Queued {
    queued: usize,
}

pub async fn reprocess(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Body(req): Body<Reprocess>,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    let queued = gallery::reprocess(&st.db, &st.storage, p.id, req.image_ids).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { queued })))
}
