//! The presigned upload flow: limits, tickets, completion, renewal, cancel.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::ssr::admin;
#[cfg(feature = "ssr")]
use crate::server::services::{parts, uploads};
use crate::{
    error::AppError,
    model::{BatchResult, FileSpec, ImageDto, PartSpec, PartTicket, UploadLimits, UploadTicket},
};

#[server(prefix = "/api", endpoint = "get_upload_limits", input = Json)]
pub async fn get_upload_limits() -> Result<UploadLimits, AppError> {
    Ok(admin().await?.uploads.limits)
}

#[server(prefix = "/api", endpoint = "begin_upload", input = Json)]
pub async fn begin_upload(product_id: Uuid, files: Vec<FileSpec>) -> Result<BatchResult<UploadTicket>, AppError> {
    let st = admin().await?;
    Ok(uploads::begin(&st.db, &st.storage, st.uploads, product_id, files).await?)
}

#[server(prefix = "/api", endpoint = "complete_upload", input = Json)]
pub async fn complete_upload(image_id: Uuid) -> Result<ImageDto, AppError> {
    let st = admin().await?;
    Ok(uploads::complete(&st.db, &st.storage, image_id).await?)
}

/// Completes the images one after another, each with its own answer (the
/// browser's worker sends the files stored while the previous request ran).
#[server(prefix = "/api", endpoint = "complete_uploads", input = Json)]
pub async fn complete_uploads(image_ids: Vec<Uuid>) -> Result<Vec<Result<ImageDto, AppError>>, AppError> {
    let st = admin().await?;
    let answers = uploads::complete_many(&st.db, &st.storage, &image_ids).await?;
    let answers = answers.into_iter().map(|a| a.map_err(AppError::from)).collect();
    crate::error::ssr::items_answered();
    Ok(answers)
}

#[server(prefix = "/api", endpoint = "renew_upload", input = Json)]
pub async fn renew_upload(image_id: Uuid) -> Result<UploadTicket, AppError> {
    let st = admin().await?;
    Ok(uploads::renew(&st.db, &st.storage, st.uploads, image_id).await?)
}

#[server(prefix = "/api", endpoint = "cancel_upload", input = Json)]
pub async fn cancel_upload(image_id: Uuid) -> Result<(), AppError> {
    let st = admin().await?;
    Ok(uploads::cancel(&st.db, &st.storage, image_id).await?)
}

/// URLs for the next parts of a big file's upload (see `PartPlan`).
#[server(prefix = "/api", endpoint = "sign_parts", input = Json)]
pub async fn sign_parts(image_id: Uuid, parts: Vec<PartSpec>) -> Result<Vec<PartTicket>, AppError> {
    let st = admin().await?;
    Ok(parts::sign(&st.db, &st.storage, st.uploads, image_id, parts).await?)
}
