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

use super::{ApiResult, Body, ProblemBody, id};
use crate::{
    model::{BatchResult, FileSpec, ImageDto, ProductImages, UploadTicket},
    server::{
        services::{gallery, images, products, uploads},
        web::{caller::Caller, state::AppState},
    },
};

#[utoipa::path(
    get,
    path = "/api/v1/products/{product}/images",
    tag = "images",
    params(("product" = String, Path, description = "The product's id or slug")),
    responses(
        (status = 200, description = "Every image in display order, and the primary one", body = ProductImages),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json")
    )
)]
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Begin {
    files: Vec<FileSpec>,
}

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/uploads",
    tag = "uploads",
    params(("product" = String, Path, description = "The product's id or slug")),
    request_body = Begin,
    responses(
        (status = 200, description = "A ticket per accepted file; a reason per refused one", body = BatchResult<UploadTicket>),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json"),
        (status = 400, description = "The body is not valid JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The JSON has the wrong shape", body = ProblemBody, content_type = "application/problem+json")
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/uploads/{image}/complete",
    tag = "uploads",
    params(("image" = String, Path, description = "The image id from the ticket")),
    responses(
        (status = 200, description = "The image: uploaded and queued for processing, or failed with the reason", body = ImageDto),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such upload", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The file has not arrived in storage", body = ProblemBody, content_type = "application/problem+json")
    )
)]
pub async fn complete(
    State(st): State<AppState>,
    caller: Caller,
    Path(image): Path<String>,
) -> ApiResult<Json<ImageDto>> {
    caller.writer()?;
    Ok(Json(uploads::complete(&st.db, &st.storage, id(&image)?).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/uploads/{image}/renew",
    tag = "uploads",
    params(("image" = String, Path, description = "The image id from the ticket")),
    responses(
        (status = 200, description = "A fresh ticket for the same file", body = UploadTicket),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such upload", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The upload is no longer waiting for its file", body = ProblemBody, content_type = "application/problem+json")
    )
)]
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

#[utoipa::path(
    delete,
    path = "/api/v1/uploads/{image}",
    tag = "uploads",
    params(("image" = String, Path, description = "The image id from the ticket")),
    responses(
        (status = 204, description = "Cancelled: neither row nor object remains"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such upload", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The upload is already complete", body = ProblemBody, content_type = "application/problem+json")
    )
)]
pub async fn cancel(State(st): State<AppState>, caller: Caller, Path(image): Path<String>) -> ApiResult<StatusCode> {
    caller.writer()?;
    uploads::cancel(&st.db, &st.storage, id(&image)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Reprocess {
    /// Which images; all of the product's ready and failed ones when empty or absent.
    #[serde(default)]
    image_ids: Vec<Uuid>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Queued {
    queued: usize,
}

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/reprocess",
    tag = "images",
    params(("product" = String, Path, description = "The product's id or slug")),
    request_body = Reprocess,
    responses(
        (status = 202, description = "How many images were queued", body = Queued),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json"),
        (status = 400, description = "The body is not valid JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The JSON has the wrong shape", body = ProblemBody, content_type = "application/problem+json")
    )
)]
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
