//! A file announced again: it resumes its own unfinished upload (in parts, or
//! a single PUT that never completed), or is skipped when the gallery already
//! holds its bytes and the client asked for that.

use uuid::Uuid;

use super::{
    parts,
    uploads::{ALREADY_PRESENT, UploadConfig, UploadError},
};
use crate::{
    model::{BatchFailure, FailureKind, PartPlan, UploadTicket},
    server::{
        db::Db,
        repo::images::{self, Image},
        storage::Storage,
    },
    validate::{AcceptedFile, Sha256Hex},
};

/// A file that passed validation, with what its client asked for.
pub(super) struct Wanted {
    pub index: usize,
    pub file: AcceptedFile,
    pub skip: bool,
    pub in_parts: bool,
}

impl Wanted {
    fn digest(&self) -> Option<&str> {
        self.file.sha256.as_ref().map(|d| d.as_str())
    }

    /// Whether `row` waits for exactly these bytes.
    fn same_bytes(&self, row: &Image) -> bool {
        row.byte_size as u64 == self.file.size && row.sha256.as_deref() == self.digest()
    }

    /// Whether this announcement may take over `row`'s unfinished upload. Parts
    /// resume for the same file sent in parts. A single PUT that never completed
    /// (a closed tab, a CLI run cut short) is taken over only when the client
    /// asked not to duplicate: "Upload anyway" means a copy, even of a pending one.
    fn resumes(&self, row: &Image) -> bool {
        self.same_bytes(row)
            && match row.upload_id {
                Some(_) => self.in_parts && row.original_filename == self.file.filename.as_str(),
                None => self.skip,
            }
    }
}

/// Files that resume an unfinished upload of the same bytes get that upload's
/// ticket back in `resumed`; the rest come back to be ticketed as new.
pub(super) async fn resume_unfinished(
    db: &Db,
    storage: &Storage,
    cfg: UploadConfig,
    product_id: Uuid,
    accepted: Vec<Wanted>,
    resumed: &mut Vec<UploadTicket>,
) -> Result<Vec<Wanted>, UploadError> {
    let asked: Vec<&str> = accepted
        .iter()
        .filter(|w| w.skip || (w.in_parts && PartPlan::for_size(w.file.size).is_some()))
        .filter_map(Wanted::digest)
        .collect();
    let mut open = images::resumable(db, product_id, &asked).await?;
    let mut rest = Vec::with_capacity(accepted.len());
    for w in accepted {
        // The same name first, so a file dropped twice under two names keeps each row.
        let pick = open
            .iter()
            .position(|r| w.resumes(r) && r.original_filename == w.file.filename.as_str())
            .or_else(|| open.iter().position(|r| w.resumes(r)));
        let Some(i) = pick else {
            rest.push(w);
            continue;
        };
        let row = open.swap_remove(i);
        let ticket = match row.upload_id {
            Some(_) => Some(parts::resume(db, storage, cfg, w.index, &row).await?),
            None => single(db, storage, cfg, w.index, &row).await?,
        };
        match ticket {
            Some(t) => resumed.push(t),
            // The janitor took the row in between: a new upload it is.
            None => rest.push(w),
        }
    }
    Ok(rest)
}

/// A fresh single-PUT ticket for the pending image `row`, binding the same
/// digest as its first; `None` when the row stopped being pending meanwhile.
pub(super) async fn single(
    db: &Db,
    storage: &Storage,
    cfg: UploadConfig,
    index: usize,
    row: &Image,
) -> Result<Option<UploadTicket>, UploadError> {
    let digest = row.sha256.as_deref().and_then(|d| Sha256Hex::parse(d).ok());
    let put = storage.presign_put(
        &row.key,
        &row.content_type,
        row.byte_size as u64,
        digest.as_ref(),
        cfg.ttl,
    )?;
    if !images::extend_ticket(db, row.id, cfg.ticket_expiry()).await? {
        return Ok(None);
    }
    Ok(Some(UploadTicket {
        index,
        image_id: row.id,
        filename: row.original_filename.clone(),
        url: put.url,
        headers: put.headers,
        content_type: row.content_type.clone(),
        byte_size: row.byte_size as u64,
        expires_in: cfg.ttl.as_secs(),
        multipart: None,
    }))
}

/// Moves the files that asked to be skipped when present, and are, to `failed`.
pub(super) async fn skip_present(
    db: &Db,
    product_id: Uuid,
    accepted: Vec<Wanted>,
    failed: &mut Vec<BatchFailure>,
) -> Result<Vec<Wanted>, sqlx::Error> {
    let asked: Vec<&str> = accepted.iter().filter(|w| w.skip).filter_map(Wanted::digest).collect();
    let present = images::present_digests(db, product_id, &asked).await?;
    let mut keep = Vec::with_capacity(accepted.len());
    for w in accepted {
        if w.skip && w.digest().is_some_and(|d| present.contains(d)) {
            failed.push(BatchFailure {
                index: w.index,
                filename: w.file.filename.as_str().to_string(),
                reason: ALREADY_PRESENT.into(),
                kind: FailureKind::Duplicate,
            });
        } else {
            keep.push(w);
        }
    }
    Ok(keep)
}
