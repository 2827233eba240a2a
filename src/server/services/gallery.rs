//! Gallery management: order (one row per move), cover, image text,
//! deleting images (objects and rows) and reprocessing.

use uuid::Uuid;

use crate::{
    model::{BatchFailure, BatchResult, FailureKind, ImageStatus},
    server::{
        db::Db,
        jobs::{BackgroundJob, ProcessImage},
        repo::images::{self, Image, POSITION_GAP},
        storage::{ObjectKey, Storage, StorageError},
    },
    validate::ImageText,
};

#[derive(Debug, thiserror::Error)]
pub enum GalleryError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

async fn image_of(db: &Db, product_id: Uuid, image_id: Uuid) -> Result<Image, GalleryError> {
    let row = images::find(db, image_id).await?.ok_or(GalleryError::NotFound)?;
    if row.product_id != product_id {
        return Err(GalleryError::NotFound);
    }
    Ok(row)
}

/// Moves an image one place earlier (`-1`) or later (`+1`) by giving it an
/// ordering key between its new neighbours: one row is written. Only when two
/// keys have no room left between them is the gallery renumbered.
pub async fn move_image(db: &Db, product_id: Uuid, image_id: Uuid, step: i32) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    for _ in 0..2 {
        let rows = images::list_for_product(db, product_id).await?;
        let Some(at) = rows.iter().position(|r| r.id == image_id) else {
            return Err(GalleryError::NotFound);
        };
        let keys: Vec<i64> = rows.iter().map(|r| r.position).collect();
        let new_key = match step {
            s if s < 0 && at > 0 => {
                let before = if at >= 2 {
                    keys[at - 2]
                } else {
                    keys[at - 1] - 2 * POSITION_GAP
                };
                (before + keys[at - 1]).div_euclid(2)
            }
            s if s > 0 && at + 1 < keys.len() => {
                let after = keys.get(at + 2).copied().unwrap_or(keys[at + 1] + 2 * POSITION_GAP);
                (keys[at + 1] + after).div_euclid(2)
            }
            _ => return Ok(()), // already first or last
        };
        if !keys.contains(&new_key) {
            images::set_position(db, image_id, new_key).await?;
            return Ok(());
        }
        images::renumber(db, &ids_of(&rows)).await?;
    }
    Err(GalleryError::Invalid("could not move the image; try again".into()))
}

/// Puts an image at gallery index `to` (as dropped there by drag): one row is written,
/// with a key between its new neighbours (renumbering only when there is no room).
pub async fn place_image(db: &Db, product_id: Uuid, image_id: Uuid, to: usize) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    for _ in 0..2 {
        let rows = images::list_for_product(db, product_id).await?;
        let others: Vec<i64> = rows.iter().filter(|r| r.id != image_id).map(|r| r.position).collect();
        let to = to.min(others.len());
        let before = if to == 0 {
            others.first().map_or(0, |k| k - 2 * POSITION_GAP)
        } else {
            others[to - 1]
        };
        let after = others.get(to).copied().unwrap_or(before + 2 * POSITION_GAP);
        let new_key = (before + after).div_euclid(2);
        if new_key != before && new_key != after {
            images::set_position(db, image_id, new_key).await?;
            return Ok(());
        }
        images::renumber(db, &ids_of(&rows)).await?;
    }
    Err(GalleryError::Invalid("could not move the image; try again".into()))
}

fn ids_of(rows: &[Image]) -> Vec<Uuid> {
    rows.iter().map(|r| r.id).collect()
}

/// Makes one image the cover; the schema allows one per product, and only its own.
pub async fn set_cover(db: &Db, product_id: Uuid, image_id: Uuid) -> Result<(), GalleryError> {
    let image = image_of(db, product_id, image_id).await?;
    if image.status != ImageStatus::Ready {
        return Err(GalleryError::Invalid("only a ready image can be the cover".into()));
    }
    super::products::set_cover(db, product_id, image_id).await?;
    Ok(())
}

pub async fn update_text(db: &Db, product_id: Uuid, image_id: Uuid, text: ImageText) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    images::set_text(db, image_id, &text.alt_text, &text.title, &text.description, &text.tags).await?;
    Ok(())
}

/// Deletes every object in an image's folder, then its row (the cover moves on if it was this one).
/// Deletes one image of the product, its objects first.
pub async fn delete_image(db: &Db, storage: &Storage, product_id: Uuid, image_id: Uuid) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    storage
        .delete_prefix(&ObjectKey::image_folder(product_id, image_id))
        .await?;
    images::delete(db, product_id, image_id).await?;
    Ok(())
}

/// Deletes many images; one failure never stops the others.
pub async fn delete_images(db: &Db, storage: &Storage, product_id: Uuid, ids: Vec<Uuid>) -> BatchResult<Uuid> {
    let total = ids.len();
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for (index, id) in ids.into_iter().enumerate() {
        match delete_image(db, storage, product_id, id).await {
            Ok(()) => ok.push(id),
            Err(e) => {
                tracing::warn!(error = %e, %id, "could not delete an image");
                let (kind, reason) = match e {
                    GalleryError::NotFound => (FailureKind::Validation, "no such image".to_string()),
                    _ => (FailureKind::Storage, "could not delete it; try again".to_string()),
                };
                failed.push(BatchFailure {
                    index,
                    filename: id.to_string(),
                    reason,
                    kind,
                });
            }
        }
    }
    BatchResult::new(total, ok, failed)
}

/// Queues processing again for ready or failed images whose original is still stored.
pub async fn reprocess(db: &Db, storage: &Storage, product_id: Uuid, ids: Vec<Uuid>) -> Result<usize, GalleryError> {
    let rows = images::list_for_product(db, product_id).await?;
    let mut queued = 0;
    for row in rows.iter().filter(|r| ids.is_empty() || ids.contains(&r.id)) {
        if !matches!(row.status, ImageStatus::Ready | ImageStatus::Failed) || storage.head(&row.key).await.is_err() {
            continue;
        }
        let mut tx = db.begin().await?;
        if images::requeue(&mut tx, row.id).await? {
            ProcessImage { image_id: row.id }.enqueue(&mut tx).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}
