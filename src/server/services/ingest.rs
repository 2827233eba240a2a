//! Files a script sends to the server itself (the REST batch upload) rather
//! than to storage: each arrives spooled on disk with its size and SHA-256
//! counted (never whole in memory), then takes the browser's steps:
//! `uploads::begin` checks and records it, the server streams it to storage
//! bound to its digest and written once, and `uploads::complete` inspects it
//! and queues processing. When a step after the store fails, the object and
//! the row go again: a failed file leaves nothing behind.

use std::path::Path;

use uuid::Uuid;

use super::uploads::{self, UploadConfig};
use crate::{
    model::{BatchFailure, FailureKind, FileSpec, ImageDto, ImageStatus},
    server::{db::Db, storage::ObjectKey, storage::Storage},
    validate::{ImageType, Sha256Hex},
};

/// One file of the request, on disk.
pub struct Spooled<'a> {
    /// Its place in the request (0-based), as batch answers number files.
    pub index: usize,
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub sha256: Sha256Hex,
    pub path: &'a Path,
}

fn failure(file: &Spooled<'_>, kind: FailureKind, reason: impl Into<String>) -> BatchFailure {
    BatchFailure {
        index: file.index,
        filename: file.name.to_string(),
        reason: reason.into(),
        kind,
    }
}

/// Stores one file as a new image of the product; a refusal says why, and keeps nothing.
#[tracing::instrument(skip_all, fields(index = file.index, size = file.size))]
pub async fn ingest(
    db: &Db,
    storage: &Storage,
    cfg: UploadConfig,
    product_id: Uuid,
    file: &Spooled<'_>,
) -> Result<ImageDto, BatchFailure> {
    let spec = FileSpec {
        name: file.name.to_string(),
        size: file.size,
        content_type: file.content_type.to_string(),
        sha256: Some(file.sha256.as_str().to_string()),
        // A script sending the same photo twice gets "Already in this gallery", as the CLI does.
        skip_if_present: true,
        // The server stores it itself, in one PUT.
        in_parts: false,
    };
    let batch = uploads::begin(db, storage, cfg, product_id, vec![spec])
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not record an upload");
            failure(file, FailureKind::Internal, "could not record the file; try again")
        })?;
    if let Some(mut refused) = batch.failed.into_iter().next() {
        refused.index = file.index;
        return Err(refused);
    }
    let ticket = batch
        .successful
        .into_iter()
        .next()
        .ok_or_else(|| failure(file, FailureKind::Internal, "could not record the file; try again"))?;
    let image_id = ticket.image_id;
    let kind = ImageType::parse(&ticket.content_type).map_err(|e| failure(file, FailureKind::UnsupportedType, e))?;
    let key = ObjectKey::original(product_id, image_id, kind);
    if let Err(e) = storage
        .put_file(&key, &ticket.content_type, file.path, &file.sha256)
        .await
    {
        tracing::error!(error = %e, %image_id, "could not store an uploaded file");
        undo(db, storage, image_id, &key).await;
        return Err(failure(
            file,
            FailureKind::Storage,
            "could not store the file; try again",
        ));
    }
    match uploads::complete(db, storage, image_id).await {
        Ok(image) if image.status == ImageStatus::Failed => {
            let reason = image.error.unwrap_or_else(|| "the file is not a usable image".into());
            undo(db, storage, image_id, &key).await;
            Err(failure(file, FailureKind::UnsupportedType, reason))
        }
        Ok(image) => Ok(image),
        Err(e) => {
            tracing::error!(error = %e, %image_id, "could not complete an upload; removing what was stored");
            undo(db, storage, image_id, &key).await;
            Err(failure(
                file,
                FailureKind::Internal,
                "could not record the file; nothing was kept; try again",
            ))
        }
    }
}

/// Takes back a file that did not make it: its object first (that needs no
/// database), then its row. If the database is down, the janitor removes the
/// expired pending row later.
async fn undo(db: &Db, storage: &Storage, image_id: Uuid, key: &ObjectKey) {
    if let Err(e) = storage.delete(key).await {
        tracing::warn!(error = %e, %image_id, "could not delete a failed upload's object");
    }
    if let Err(e) = uploads::cancel(db, storage, image_id).await {
        tracing::warn!(error = %e, %image_id, "could not take back a failed upload; the janitor will");
    }
}
