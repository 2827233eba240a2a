//! Gallery management: order (one row per move), cover, image text,
//! deleting images (objects and rows) and reprocessing.

use uuid::Uuid;

use super::images::{self, ImageRow, POSITION_GAP};
use crate::{
    model::{BatchFailure, BatchResult, FailureKind, ImageStatus},
    on_db,
    server::{
        db::{Db, now_ms},
        jobs::{ENQUEUE_SQL, Job, enqueue_args},
        storage::{ObjectKey, Storage, StorageError},
    },
};

pub const MAX_ALT_CHARS: usize = 1000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

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

/// Trims, drops control characters (newlines kept where `multiline`), and bounds the length.
pub fn clean_text(raw: &str, max: usize, multiline: bool, what: &str) -> Result<String, GalleryError> {
    let text: String = raw
        .trim()
        .chars()
        .filter(|c| (!c.is_control() || (multiline && *c == '\n')) && !crate::validate::is_hidden_format_char(*c))
        .collect();
    if text.chars().count() > max {
        return Err(GalleryError::Invalid(format!("{what} is longer than {max} characters")));
    }
    Ok(text)
}

async fn image_of(db: &Db, product_id: Uuid, image_id: Uuid) -> Result<ImageRow, GalleryError> {
    let row = images::find(db, image_id).await?.ok_or(GalleryError::NotFound)?;
    if row.product_id != product_id.to_string() {
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
        let Some(at) = rows.iter().position(|r| r.id == image_id.to_string()) else {
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
            on_db!(db, p => sqlx::query("UPDATE image SET position = $1 WHERE id = $2")
                .bind(new_key).bind(image_id.to_string()).execute(p).await.map(|_| ()))?;
            return Ok(());
        }
        renumber(db, &rows).await?;
    }
    Err(GalleryError::Invalid("could not move the image; try again".into()))
}

/// Puts an image at gallery index `to` (as dropped there by drag): one row is written,
/// with a key between its new neighbours (renumbering only when there is no room).
pub async fn place_image(db: &Db, product_id: Uuid, image_id: Uuid, to: usize) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    for _ in 0..2 {
        let rows = images::list_for_product(db, product_id).await?;
        let others: Vec<i64> = rows
            .iter()
            .filter(|r| r.id != image_id.to_string())
            .map(|r| r.position)
            .collect();
        let to = to.min(others.len());
        let before = if to == 0 {
            others.first().map_or(0, |k| k - 2 * POSITION_GAP)
        } else {
            others[to - 1]
        };
        let after = others.get(to).copied().unwrap_or(before + 2 * POSITION_GAP);
        let new_key = (before + after).div_euclid(2);
        if new_key != before && new_key != after {
            on_db!(db, p => sqlx::query("UPDATE image SET position = $1 WHERE id = $2")
                .bind(new_key).bind(image_id.to_string()).execute(p).await.map(|_| ()))?;
            return Ok(());
        }
        renumber(db, &rows).await?;
    }
    Err(GalleryError::Invalid("could not move the image; try again".into()))
}

async fn renumber(db: &Db, rows: &[ImageRow]) -> Result<(), sqlx::Error> {
    on_db!(db, p => async {
        let mut tx = p.begin().await?;
        for (i, r) in rows.iter().enumerate() {
            sqlx::query("UPDATE image SET position = $1 WHERE id = $2")
                .bind((i as i64 + 1) * POSITION_GAP).bind(&r.id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }.await)
}

/// Makes one image the cover; the schema allows one per product, and only its own.
pub async fn set_cover(db: &Db, product_id: Uuid, image_id: Uuid) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    on_db!(db, p => sqlx::query("UPDATE product SET cover_image_id = $1, updated_at = $2 WHERE id = $3")
        .bind(image_id.to_string()).bind(now_ms()).bind(product_id.to_string()).execute(p).await.map(|_| ()))?;
    Ok(())
}

pub struct ImageText {
    pub alt_text: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
}

pub async fn update_text(db: &Db, product_id: Uuid, image_id: Uuid, t: ImageText) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    let alt = clean_text(&t.alt_text, MAX_ALT_CHARS, false, "the alt text")?;
    let title = clean_text(&t.title, MAX_TITLE_CHARS, false, "the title")?;
    let description = clean_text(&t.description, MAX_DESCRIPTION_CHARS, true, "the description")?;
    if t.tags.len() > MAX_TAGS {
        return Err(GalleryError::Invalid(format!("at most {MAX_TAGS} tags")));
    }
    let mut tags = Vec::new();
    for tag in &t.tags {
        let tag = clean_text(&tag.replace(',', " "), MAX_TAG_CHARS, false, "a tag")?;
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    on_db!(db, p => sqlx::query("UPDATE image SET alt_text = $1, title = $2, description = $3, tags = $4 WHERE id = $5")
        .bind(&alt).bind(&title).bind(&description).bind(tags.join(",")).bind(image_id.to_string())
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Deletes every object in an image's folder, then its row (the cover moves on if it was this one).
async fn delete_one(db: &Db, storage: &Storage, product_id: Uuid, image_id: Uuid) -> Result<(), GalleryError> {
    image_of(db, product_id, image_id).await?;
    storage
        .delete_prefix(&ObjectKey::image_folder(product_id, image_id))
        .await?;
    on_db!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query("UPDATE product SET cover_image_id = NULL WHERE id = $1 AND cover_image_id = $2")
            .bind(product_id.to_string()).bind(image_id.to_string()).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM image WHERE id = $1").bind(image_id.to_string()).execute(&mut *tx).await?;
        tx.commit().await
    }.await)?;
    Ok(())
}

/// Deletes many images; one failure never stops the others.
pub async fn delete_images(db: &Db, storage: &Storage, product_id: Uuid, ids: Vec<Uuid>) -> BatchResult<Uuid> {
    let total = ids.len();
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for (index, id) in ids.into_iter().enumerate() {
        match delete_one(db, storage, product_id, id).await {
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
    for row in rows
        .iter()
        .filter(|r| ids.is_empty() || ids.iter().any(|id| id.to_string() == r.id))
    {
        if !matches!(row.status(), ImageStatus::Ready | ImageStatus::Failed) || storage.head(&row.key()).await.is_err()
        {
            continue;
        }
        let (job_id, kind, payload, now) = enqueue_args(&Job::ProcessImage { image_id: row.id() });
        on_db!(db, p => async {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE image SET status = 'uploaded', error = NULL WHERE id = $1").bind(&row.id).execute(&mut *tx).await?;
            sqlx::query(ENQUEUE_SQL).bind(&job_id).bind(kind).bind(&payload).bind(now).execute(&mut *tx).await?;
            tx.commit().await
        }.await)?;
        queued += 1;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_cleaned_and_bounded() {
        assert_eq!(clean_text("  <b>hi</b>\u{7}  ", 100, false, "x").unwrap(), "<b>hi</b>");
        assert_eq!(clean_text("a\nb", 100, true, "x").unwrap(), "a\nb");
        assert_eq!(clean_text("a\nb", 100, false, "x").unwrap(), "ab");
        assert!(
            clean_text(&"é".repeat(11), 10, false, "the alt text")
                .unwrap_err()
                .to_string()
                .contains("alt text")
        );
        assert_eq!(clean_text("日本語 ✓", 5, false, "x").unwrap(), "日本語 ✓");
    }
}
