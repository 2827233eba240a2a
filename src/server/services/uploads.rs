//! The upload flow (spec section 4): tickets with presigned PUT URLs, then
//! completion, where the server checks the stored bytes before trusting them.

use std::time::Duration;

use uuid::Uuid;

use super::images::{self, ImageRow, POSITION_GAP};
use crate::{
    model::{BatchFailure, BatchResult, FailureKind, FileSpec, ImageDto, ImageStatus, UploadLimits, UploadTicket},
    on_db,
    server::{
        db::{Db, now_ms},
        jobs::{ENQUEUE_SQL, Job, enqueue_args},
        storage::{ObjectKey, Storage, StorageError},
    },
    validate::{ImageType, Sha256Hex, check_file},
};

/// How many leading bytes completion reads to learn a file's real type.
const SNIFF_BYTES: u64 = 32;

#[derive(Clone, Copy, Debug)]
pub struct UploadConfig {
    pub limits: UploadLimits,
    pub ttl: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates one pending image and one PUT URL per acceptable file; the others
/// come back in `failed` with their reason, and never stop the rest.
#[tracing::instrument(skip(db, storage, files), fields(files = files.len()))]
pub async fn begin(
    db: &Db,
    storage: &Storage,
    cfg: UploadConfig,
    product_id: Uuid,
    files: Vec<FileSpec>,
) -> Result<BatchResult<UploadTicket>, UploadError> {
    super::products::get(db, product_id)
        .await
        .map_err(|_| UploadError::NotFound)?;
    let total = files.len();
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    let mut position = images::next_position(db, product_id).await?;
    for (index, spec) in files.into_iter().enumerate() {
        let fail = |kind, reason: String| BatchFailure {
            index,
            filename: spec.name.clone(),
            reason,
            kind,
        };
        if index >= cfg.limits.max_files_per_batch {
            let max = cfg.limits.max_files_per_batch;
            failed.push(fail(
                FailureKind::Validation,
                format!("more than {max} files in one batch; add it in another"),
            ));
            continue;
        }
        let file = match check_file(&spec, &cfg.limits) {
            Ok(f) => f,
            Err((kind, reason)) => {
                failed.push(fail(kind, reason));
                continue;
            }
        };
        match issue_ticket(db, storage, cfg, product_id, position, index, &file).await {
            Ok(ticket) => {
                position += POSITION_GAP;
                ok.push(ticket);
            }
            Err(e) => {
                tracing::error!(error = %e, index, "could not issue an upload ticket");
                let kind = if matches!(e, UploadError::Storage(_)) {
                    FailureKind::Storage
                } else {
                    FailureKind::Internal
                };
                failed.push(fail(kind, "could not prepare the upload; try again".into()));
            }
        }
    }
    Ok(BatchResult::new(total, ok, failed))
}

async fn issue_ticket(
    db: &Db,
    storage: &Storage,
    cfg: UploadConfig,
    product_id: Uuid,
    position: i64,
    index: usize,
    file: &crate::validate::AcceptedFile,
) -> Result<UploadTicket, UploadError> {
    // The id exists before any byte does, and names the image's folder for good.
    let image_id = Uuid::new_v4();
    let key = ObjectKey::original(product_id, image_id, file.image_type);
    let put = storage
        .presign_put(&key, file.image_type.mime(), file.size, file.sha256.as_ref(), cfg.ttl)
        .await?;
    let now = now_ms();
    on_db!(db, p => sqlx::query(
        "INSERT INTO image (id, product_id, position, status, original_filename, content_type, byte_size, \
         storage_key, upload_expires_at, created_at, sha256) VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10)")
        .bind(image_id.to_string()).bind(product_id.to_string()).bind(position)
        .bind(file.filename.as_str()).bind(file.image_type.mime()).bind(file.size as i64)
        .bind(key.as_str()).bind(now + cfg.ttl.as_millis() as i64).bind(now)
        .bind(file.sha256.as_ref().map(|d| d.as_str().to_string()))
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(UploadTicket {
        index,
        image_id,
        filename: file.filename.as_str().to_string(),
        url: put.url,
        headers: put.headers,
        content_type: file.image_type.mime().to_string(),
        byte_size: file.size,
        expires_in: cfg.ttl.as_secs(),
    })
}

/// A fresh URL for a pending image whose URL expired or whose PUT failed.
pub async fn renew(db: &Db, storage: &Storage, cfg: UploadConfig, image_id: Uuid) -> Result<UploadTicket, UploadError> {
    let row = pending(db, image_id).await?;
    // A renewed URL binds the same digest as the first.
    let digest = row.sha256.as_deref().and_then(|d| Sha256Hex::parse(d).ok());
    let put = storage
        .presign_put(
            &row.key(),
            &row.content_type,
            row.byte_size as u64,
            digest.as_ref(),
            cfg.ttl,
        )
        .await?;
    let expires = now_ms() + cfg.ttl.as_millis() as i64;
    on_db!(db, p => sqlx::query("UPDATE image SET upload_expires_at = $1 WHERE id = $2 AND status = 'pending'")
        .bind(expires).bind(&row.id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(UploadTicket {
        index: 0,
        image_id,
        filename: row.original_filename,
        url: put.url,
        headers: put.headers,
        content_type: row.content_type,
        byte_size: row.byte_size as u64,
        expires_in: cfg.ttl.as_secs(),
    })
}

async fn pending(db: &Db, image_id: Uuid) -> Result<ImageRow, UploadError> {
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    if row.status() != ImageStatus::Pending {
        return Err(UploadError::Conflict(
            format!("this upload is already {}", row.status).to_lowercase(),
        ));
    }
    Ok(row)
}

/// Checks what actually arrived in storage, then marks the image uploaded, or
/// failed (deleting the object) when the bytes are not what was promised.
#[tracing::instrument(skip(db, storage))]
pub async fn complete(db: &Db, storage: &Storage, image_id: Uuid) -> Result<ImageDto, UploadError> {
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    if row.status() != ImageStatus::Pending {
        // Completing twice (a retried request) is harmless: report the current state.
        return Ok(row.into_dto(storage).await);
    }
    let key = row.key();
    let info = match storage.head(&key).await {
        Ok(info) => info,
        Err(StorageError::NotFound) => {
            return Err(UploadError::Conflict(
                "the file has not arrived in storage; upload it again".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let verdict = if info.size != row.byte_size as u64 {
        Err(format!(
            "the stored file has {} bytes, not the {} announced",
            info.size, row.byte_size
        ))
    } else {
        let head = storage.read_head(&key, SNIFF_BYTES).await?;
        ImageType::sniff(&head).ok_or_else(|| "the file is not a JPEG, PNG, WebP, GIF or AVIF image".to_string())
    };
    match verdict {
        Ok(kind) => {
            // The real type wins over the declared one (a PNG named .jpg is still a fine image).
            // Marking it uploaded and queueing its processing happen together or not at all.
            let (job_id, job_kind, payload, now) = enqueue_args(&Job::ProcessImage { image_id });
            on_db!(db, p => async {
                let mut tx = p.begin().await?;
                let changed = sqlx::query(
                    "UPDATE image SET status = 'uploaded', content_type = $1, uploaded_at = $2, upload_expires_at = NULL, \
                     error = NULL WHERE id = $3 AND status = 'pending'")
                    .bind(kind.mime()).bind(now).bind(&row.id).execute(&mut *tx).await?.rows_affected();
                if changed == 1 {
                    sqlx::query(ENQUEUE_SQL).bind(&job_id).bind(job_kind).bind(&payload).bind(now).execute(&mut *tx).await?;
                }
                tx.commit().await
            }.await)?;
        }
        Err(reason) => {
            tracing::warn!(%image_id, %reason, "upload refused after inspection");
            storage.delete(&key).await?;
            on_db!(db, p => sqlx::query("UPDATE image SET status = 'failed', error = $1, upload_expires_at = NULL WHERE id = $2")
                .bind(&reason).bind(&row.id).execute(p).await.map(|r| r.rows_affected()))?;
        }
    }
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    Ok(row.into_dto(storage).await)
}

/// Gives up on a pending or failed upload: its object (if any) and its row go.
pub async fn cancel(db: &Db, storage: &Storage, image_id: Uuid) -> Result<(), UploadError> {
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    if !matches!(row.status(), ImageStatus::Pending | ImageStatus::Failed) {
        return Err(UploadError::Conflict("only unfinished uploads can be cancelled".into()));
    }
    storage.delete(&row.key()).await?;
    on_db!(db, p => sqlx::query("DELETE FROM image WHERE id = $1").bind(&row.id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}
