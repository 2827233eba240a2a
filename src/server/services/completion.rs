//! Completion: the server checks what a presigned PUT stored (size, real type,
//! and for parts the bound SHA-256) before it trusts the file and queues its
//! processing; one file at a time or a batch (the browser's worker sends the
//! files stored meanwhile in one request, not one request per file).

use uuid::Uuid;

use super::{images::to_dto, parts, uploads::UploadError};
use crate::{
    model::{ImageDto, ImageStatus},
    server::{
        db::Db,
        jobs::{BackgroundJob, ProcessImage},
        repo::images::{self, Image},
        storage::{Storage, StorageError},
    },
    validate::ImageType,
};

/// How many leading bytes completion reads to learn a file's real type.
const SNIFF_BYTES: u64 = 32;

/// The most images one completion request may name (the worker sends at most 32).
pub const MAX_COMPLETIONS: usize = 64;

/// Checks what actually arrived in storage, then marks the image uploaded, or
/// failed (deleting the object) when the bytes are not what was promised.
#[tracing::instrument(skip(db, storage))]
pub async fn complete(db: &Db, storage: &Storage, image_id: Uuid) -> Result<ImageDto, UploadError> {
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    if row.status != ImageStatus::Pending {
        // Completing twice (a retried request) is harmless: report the current state.
        return Ok(to_dto(row, storage).await);
    }
    let key = row.key.clone();
    if let Some(upload_id) = &row.upload_id
        && let Err(problem) = parts::assemble(storage, &row, upload_id).await?
    {
        return Err(UploadError::Conflict(problem));
    }
    let (head, size) = match storage.read_start(&key, SNIFF_BYTES).await {
        Ok(start) => start,
        Err(StorageError::NotFound) => {
            return Err(UploadError::Conflict(
                "the file has not arrived in storage; upload it again".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let verdict = if size != row.byte_size as u64 {
        Err(format!(
            "the stored file has {size} bytes, not the {} announced",
            row.byte_size
        ))
    } else {
        let kind =
            ImageType::sniff(&head).ok_or_else(|| "the file is not a JPEG, PNG, WebP, GIF or AVIF image".to_string());
        match (kind, row.upload_id.is_some()) {
            // Parts are joined by the store without a whole-file checksum: the
            // bytes are read once here and must be the ones the ticket bound.
            (Ok(kind), true) => whole_file_matches(storage, &row).await?.map(|()| kind),
            (kind, _) => kind,
        }
    };
    match verdict {
        Ok(kind) => {
            // The real type wins over the declared one (a PNG named .jpg is still a fine image).
            // Marking it uploaded and queueing its processing happen together or not at all.
            let mut tx = db.begin().await?;
            if images::mark_uploaded(&mut tx, image_id, kind.mime()).await? {
                ProcessImage { image_id }.enqueue(&mut tx).await?;
            }
            tx.commit().await?;
            metrics::counter!(crate::server::metrics::UPLOADS_COMPLETED).increment(1);
        }
        Err(reason) => {
            tracing::warn!(%image_id, %reason, "upload refused after inspection");
            metrics::counter!(crate::server::metrics::UPLOADS_REFUSED, "reason" => "inspection").increment(1);
            storage.delete(&key).await?;
            images::mark_failed(db, image_id, &reason).await?;
        }
    }
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    Ok(to_dto(row, storage).await)
}

/// Completes each image in turn; one file's trouble is its own answer and
/// never stops the others. More than `MAX_COMPLETIONS` ids are refused whole.
#[tracing::instrument(skip(db, storage, image_ids), fields(images = image_ids.len()))]
pub async fn complete_many(
    db: &Db,
    storage: &Storage,
    image_ids: &[Uuid],
) -> Result<Vec<Result<ImageDto, UploadError>>, UploadError> {
    if image_ids.len() > MAX_COMPLETIONS {
        return Err(UploadError::TooMany(MAX_COMPLETIONS));
    }
    let mut answers = Vec::with_capacity(image_ids.len());
    for &image_id in image_ids {
        answers.push(complete(db, storage, image_id).await);
    }
    Ok(answers)
}

/// Whether the stored original has the SHA-256 the ticket bound.
async fn whole_file_matches(storage: &Storage, row: &Image) -> Result<Result<(), String>, UploadError> {
    let Some(bound) = row.sha256.as_deref() else {
        return Ok(Ok(()));
    };
    let stored = storage.sha256_of(&row.key).await?;
    Ok(if stored.as_str() == bound {
        Ok(())
    } else {
        Err("the stored file is not the one announced (its SHA-256 differs)".to_string())
    })
}
