//! The upload flow (spec section 4): tickets with presigned PUT URLs, then
//! completion, where the server checks the stored bytes before trusting them.

use std::time::Duration;

use uuid::Uuid;

pub use super::completion::{MAX_COMPLETIONS, complete, complete_many};
use super::{
    again::{self, Wanted},
    parts,
};
use crate::{
    model::{BatchFailure, BatchResult, FailureKind, FileSpec, ImageStatus, PartPlan, UploadLimits, UploadTicket},
    server::{
        db::{Db, now_ms},
        repo::images::{self, Image, NewImage},
        storage::{ObjectKey, PresignedPut, Storage, StorageError},
    },
    validate::{AcceptedFile, check_file},
};

/// What a file already in the gallery is told (when it asked to be skipped then).
pub const ALREADY_PRESENT: &str = "Already in this gallery";

/// Why a file without its SHA-256 gets no ticket.
const MISSING_DIGEST: &str = "the file's SHA-256 is missing: a ticket binds the exact bytes it may store";

#[derive(Clone, Copy, Debug)]
pub struct UploadConfig {
    pub limits: UploadLimits,
    pub ttl: Duration,
}

impl UploadConfig {
    /// When a ticket issued now stops being honoured (milliseconds, like the schema).
    pub(super) fn ticket_expiry(&self) -> i64 {
        now_ms() + self.ttl.as_millis() as i64
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("at most {0} images per completion request")]
    TooMany(usize),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates one pending image and one PUT URL per acceptable file; the others
/// come back in `failed` with their reason, and never stop the rest. URLs are
/// signed first (CPU only), then every row is inserted in one transaction.
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
    let mut failed = Vec::new();
    let mut accepted = Vec::new();
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
        match check_file(&spec, &cfg.limits) {
            // The ticket binds the digest, so storage takes only the announced bytes.
            Ok(file) if file.sha256.is_none() => failed.push(fail(FailureKind::Validation, MISSING_DIGEST.into())),
            Ok(file) => accepted.push(Wanted {
                index,
                file,
                skip: spec.skip_if_present,
                in_parts: spec.in_parts,
            }),
            Err((kind, reason)) => failed.push(fail(kind, reason)),
        }
    }
    let mut resumed = Vec::new();
    let accepted = again::resume_unfinished(db, storage, cfg, product_id, accepted, &mut resumed).await?;
    let accepted = again::skip_present(db, product_id, accepted, &mut failed).await?;
    let mut prepared = Vec::with_capacity(accepted.len());
    for w in &accepted {
        // The id exists before any byte does, and names the image's folder for good.
        let image_id = Uuid::new_v4();
        let file = &w.file;
        let key = ObjectKey::original(product_id, image_id, file.image_type);
        let plan = PartPlan::for_size(file.size).filter(|_| w.in_parts);
        let signed = match plan {
            Some(plan) => parts::start(storage, &key, file).await.map(|upload_id| {
                let t = parts::ticket(
                    w.index,
                    image_id,
                    file.filename.as_str(),
                    file.image_type.mime(),
                    file.size,
                    plan,
                    cfg,
                );
                (t, Some(upload_id))
            }),
            None => storage
                .presign_put(&key, file.image_type.mime(), file.size, file.sha256.as_ref(), cfg.ttl)
                .map(|put| (ticket(w.index, image_id, file, put, cfg), None)),
        };
        match signed {
            Ok((t, upload_id)) => prepared.push((file, key, t, upload_id)),
            Err(e) => {
                tracing::error!(error = %e, index = w.index, "could not prepare an upload");
                failed.push(BatchFailure {
                    index: w.index,
                    filename: file.filename.as_str().to_string(),
                    reason: "could not prepare the upload; try again".into(),
                    kind: FailureKind::Storage,
                });
            }
        }
    }
    let expires_at = cfg.ticket_expiry();
    let rows: Vec<NewImage> = prepared
        .iter()
        .map(|(file, key, ticket, upload_id)| NewImage {
            id: ticket.image_id,
            filename: file.filename.as_str(),
            content_type: file.image_type.mime(),
            byte_size: file.size,
            key,
            expires_at,
            sha256: file.sha256.as_ref().map(|d| d.as_str()),
            upload_id: upload_id.as_deref(),
        })
        .collect();
    if let Err(e) = insert_pending(db, product_id, &rows).await {
        // No row will ever name these multipart uploads: give their space back now.
        for (_, key, _, upload_id) in &prepared {
            if let Some(id) = upload_id {
                let _ = storage.abort_multipart(key, id).await;
            }
        }
        return Err(e);
    }
    let mut tickets: Vec<UploadTicket> = prepared.into_iter().map(|(_, _, t, _)| t).collect();
    tickets.append(&mut resumed);
    tickets.sort_by_key(|t| t.index);
    metrics::counter!(crate::server::metrics::UPLOADS_BEGUN).increment(tickets.len() as u64);
    for f in &failed {
        metrics::counter!(crate::server::metrics::UPLOADS_REFUSED, "reason" => f.kind.as_str()).increment(1);
    }
    Ok(BatchResult::new(total, tickets, failed))
}

async fn insert_pending(db: &Db, product_id: Uuid, rows: &[NewImage<'_>]) -> Result<(), UploadError> {
    let mut tx = db.begin().await?;
    images::insert_pending(&mut tx, product_id, rows).await?;
    tx.commit().await?;
    Ok(())
}

fn ticket(index: usize, image_id: Uuid, file: &AcceptedFile, put: PresignedPut, cfg: UploadConfig) -> UploadTicket {
    UploadTicket {
        index,
        image_id,
        filename: file.filename.as_str().to_string(),
        url: put.url,
        headers: put.headers,
        content_type: file.image_type.mime().to_string(),
        byte_size: file.size,
        expires_in: cfg.ttl.as_secs(),
        multipart: None,
    }
}

/// A fresh URL for a pending image whose URL expired or whose PUT failed.
pub async fn renew(db: &Db, storage: &Storage, cfg: UploadConfig, image_id: Uuid) -> Result<UploadTicket, UploadError> {
    let row = pending(db, image_id).await?;
    if row.upload_id.is_some() {
        // Parts are signed one by one; renewing lists what is stored so far.
        return parts::resume(db, storage, cfg, 0, &row).await;
    }
    again::single(db, storage, cfg, 0, &row)
        .await?
        .ok_or_else(|| UploadError::Conflict("this upload is no longer pending".into()))
}

pub(super) async fn pending(db: &Db, image_id: Uuid) -> Result<Image, UploadError> {
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    if row.status != ImageStatus::Pending {
        return Err(UploadError::Conflict(format!(
            "this upload is already {}",
            row.status.as_str()
        )));
    }
    Ok(row)
}

/// Gives up on a pending or failed upload: its object (if any) and its row go.
pub async fn cancel(db: &Db, storage: &Storage, image_id: Uuid) -> Result<(), UploadError> {
    let row = images::find(db, image_id).await?.ok_or(UploadError::NotFound)?;
    if !matches!(row.status, ImageStatus::Pending | ImageStatus::Failed) {
        return Err(UploadError::Conflict("only unfinished uploads can be cancelled".into()));
    }
    parts::abort(storage, &row).await?;
    storage.delete(&row.key).await?;
    images::delete(db, row.product_id, image_id).await?;
    Ok(())
}
