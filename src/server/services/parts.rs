//! Big files in parts (S3 multipart): the plan a ticket carries, part URLs
//! signed on demand, resumption of an unfinished upload when the same file is
//! announced again, and assembly at completion, checked against the plan.

use uuid::Uuid;

use super::uploads::{UploadConfig, UploadError};
use crate::{
    model::{PartPlan, PartSpec, PartTicket, UploadTicket},
    server::{
        db::Db,
        repo::images::{self, Image},
        storage::{ObjectKey, Storage, StorageError, StoredPart},
    },
    validate::{AcceptedFile, MAX_PARTS_PER_SIGN, Sha256Hex},
};

/// A ticket that resumes `row`'s unfinished upload: its plan lists the parts
/// the store already holds whole, so only the others go up again.
pub(super) async fn resume(
    db: &Db,
    storage: &Storage,
    cfg: UploadConfig,
    index: usize,
    row: &Image,
) -> Result<UploadTicket, UploadError> {
    let upload_id = row.upload_id.as_deref().ok_or(UploadError::NotFound)?;
    let size = row.byte_size as u64;
    let mut plan = PartPlan::for_size(size).ok_or(UploadError::NotFound)?;
    let stored = stored_parts(storage, &row.key, upload_id).await?;
    plan.done = stored
        .iter()
        .filter(|p| plan.part_len(size, p.number) == Some(p.size))
        .map(|p| p.number)
        .collect();
    images::extend_ticket(db, row.id, cfg.ticket_expiry()).await?;
    tracing::info!(image_id = %row.id, done = plan.done.len(), parts = plan.parts, "upload resumed");
    Ok(ticket(
        index,
        row.id,
        &row.original_filename,
        &row.content_type,
        size,
        plan,
        cfg,
    ))
}

/// Starts the store's multipart upload for a new big file.
pub(super) async fn start(storage: &Storage, key: &ObjectKey, file: &AcceptedFile) -> Result<String, StorageError> {
    storage.create_multipart(key, file.image_type.mime()).await
}

pub(super) fn ticket(
    index: usize,
    image_id: Uuid,
    filename: &str,
    content_type: &str,
    size: u64,
    plan: PartPlan,
    cfg: UploadConfig,
) -> UploadTicket {
    UploadTicket {
        index,
        image_id,
        filename: filename.to_string(),
        url: String::new(),
        headers: Vec::new(),
        content_type: content_type.to_string(),
        byte_size: size,
        expires_in: cfg.ttl.as_secs(),
        multipart: Some(plan),
    }
}

/// URLs for the parts asked for, each bound to its number, length and SHA-256.
/// Each call keeps the upload's ticket alive for another TTL.
#[tracing::instrument(skip(db, storage, parts), fields(parts = parts.len()))]
pub async fn sign(
    db: &Db,
    storage: &Storage,
    cfg: UploadConfig,
    image_id: Uuid,
    parts: Vec<PartSpec>,
) -> Result<Vec<PartTicket>, UploadError> {
    let row = super::uploads::pending(db, image_id).await?;
    let upload_id = row
        .upload_id
        .as_deref()
        .ok_or_else(|| UploadError::Conflict("this upload goes in one PUT, not in parts".into()))?;
    if parts.len() > MAX_PARTS_PER_SIGN {
        return Err(UploadError::Conflict(format!(
            "ask for at most {MAX_PARTS_PER_SIGN} parts at a time"
        )));
    }
    let size = row.byte_size as u64;
    let plan = PartPlan::for_size(size).ok_or(UploadError::NotFound)?;
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let len = plan
            .part_len(size, part.number)
            .ok_or_else(|| UploadError::Conflict(format!("this file has parts 1 to {}", plan.parts)))?;
        let digest = Sha256Hex::parse(&part.sha256).map_err(UploadError::Conflict)?;
        let put = storage.presign_part(&row.key, upload_id, part.number, len, &digest, cfg.ttl)?;
        out.push(PartTicket {
            number: part.number,
            url: put.url,
            headers: put.headers,
        });
    }
    images::extend_ticket(db, image_id, cfg.ticket_expiry()).await?;
    Ok(out)
}

/// Joins the stored parts into the original. `Ok(Err(reason))` when a part is
/// missing or has the wrong length: the upload stays open for the client to
/// send it. An upload joined before (its answer lost) is taken as it is.
pub(super) async fn assemble(
    storage: &Storage,
    row: &Image,
    upload_id: &str,
) -> Result<Result<(), String>, UploadError> {
    let size = row.byte_size as u64;
    let plan = PartPlan::for_size(size).ok_or(UploadError::NotFound)?;
    let stored = stored_parts(storage, &row.key, upload_id).await?;
    if stored.is_empty() && storage.head(&row.key).await.is_ok() {
        return Ok(Ok(()));
    }
    if let Some(problem) = missing(&plan, size, &stored) {
        return Ok(Err(problem));
    }
    storage.complete_multipart(&row.key, upload_id, &stored).await?;
    Ok(Ok(()))
}

/// What keeps the stored parts from being the whole file, if anything.
/// The parts stored so far; none when the store no longer knows the upload.
async fn stored_parts(storage: &Storage, key: &ObjectKey, upload_id: &str) -> Result<Vec<StoredPart>, StorageError> {
    match storage.list_parts(key, upload_id).await {
        Err(StorageError::NotFound) => Ok(Vec::new()),
        other => other,
    }
}

fn missing(plan: &PartPlan, size: u64, stored: &[StoredPart]) -> Option<String> {
    for n in 1..=plan.parts {
        match stored.iter().find(|p| p.number == n) {
            None => return Some(format!("part {n} of {} has not arrived; send it again", plan.parts)),
            Some(p) if plan.part_len(size, n) != Some(p.size) => {
                return Some(format!(
                    "part {n} has {} bytes, not {}",
                    p.size,
                    plan.part_len(size, n)?
                ));
            }
            Some(_) => {}
        }
    }
    (stored.len() != plan.parts as usize).then(|| "the store holds parts outside the plan".to_string())
}

/// Drops an unfinished multipart upload (cancel, janitor); nothing when there is none.
pub async fn abort(storage: &Storage, row: &Image) -> Result<(), StorageError> {
    match &row.upload_id {
        Some(upload_id) => storage.abort_multipart(&row.key, upload_id).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(number: u32, size: u64) -> StoredPart {
        StoredPart {
            number,
            size,
            etag: None,
            sha256: None,
        }
    }

    #[test]
    fn completion_needs_every_part_at_its_length() {
        let size = 20 * 1024 * 1024;
        let plan = PartPlan::for_size(size).unwrap();
        let p = crate::validate::PART_SIZE;
        let whole = [part(1, p), part(2, p), part(3, size - 2 * p)];
        assert_eq!(missing(&plan, size, &whole), None);
        assert!(missing(&plan, size, &whole[..2]).unwrap().contains("part 3 of 3"));
        let short = [part(1, p), part(2, p - 1), part(3, size - 2 * p)];
        assert!(missing(&plan, size, &short).unwrap().starts_with("part 2 has"));
    }
}
