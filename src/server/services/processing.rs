//! The `process_image` job: original → web variants in the image's folder,
//! rows in `variant`, status `ready`. Bad images fail at once with a reason;
//! storage or database trouble is retried by the queue.

use uuid::Uuid;

use super::images;
use crate::{
    model::ImageStatus,
    on_db,
    server::{
        db::{Db, now_ms},
        imaging::{self, ImagingError},
        jobs::{Job, Outcome},
        state::AppState,
        storage::{ObjectKey, StorageError},
    },
};

async fn mark_failed(db: &Db, image_id: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    on_db!(db, p => sqlx::query("UPDATE image SET status = 'failed', error = $1 WHERE id = $2")
        .bind(reason).bind(image_id.to_string()).execute(p).await.map(|_| ()))
}

/// Called by the queue when a job has used up its attempts.
pub async fn give_up(db: &Db, job: &Job, reason: &str) -> Result<(), sqlx::Error> {
    match job {
        Job::ProcessImage { image_id } => mark_failed(db, *image_id, reason).await,
    }
}

fn retry(what: &str, e: impl std::fmt::Display) -> Outcome {
    tracing::warn!(error = %e, "{what}; will retry");
    Outcome::Retry(format!("{what}: {e}"))
}

#[tracing::instrument(skip(state))]
pub async fn process_image(state: &AppState, image_id: Uuid) -> Outcome {
    let db = &state.db;
    let row = match images::find(db, image_id).await {
        Ok(Some(row)) => row,
        Ok(None) => return Outcome::Done, // deleted meanwhile: nothing to do
        Err(e) => return retry("database unavailable", e),
    };
    if !matches!(row.status(), ImageStatus::Uploaded | ImageStatus::Processing) {
        return Outcome::Done;
    }
    let set_processing = on_db!(db, p => sqlx::query(
        "UPDATE image SET status = 'processing', attempts = attempts + 1 WHERE id = $1")
        .bind(&row.id).execute(p).await.map(|_| ()));
    if let Err(e) = set_processing {
        return retry("database unavailable", e);
    }
    let limits = state.imaging;
    if row.byte_size as u64 > limits.max_bytes {
        let reason = ImagingError::TooLarge(format!("the file is over {} MiB", limits.max_bytes / (1024 * 1024)));
        return fail(db, image_id, &reason.to_string()).await;
    }
    let bytes = match state.storage.get(&row.key()).await {
        Ok(b) => b,
        Err(StorageError::NotFound) => return fail(db, image_id, "the original is missing from storage").await,
        Err(e) => return retry("storage unavailable", e),
    };
    let avif = state.avif_variants;
    let result = tokio::task::spawn_blocking(move || imaging::process(&bytes, &limits, avif)).await;
    let processed = match result {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return fail(db, image_id, &e.to_string()).await,
        Err(e) => {
            tracing::error!(error = %e, "image processing panicked");
            return fail(db, image_id, "the image could not be processed").await;
        }
    };
    let product_id = Uuid::parse_str(&row.product_id).unwrap_or_default();
    let mut stored = Vec::new();
    for v in &processed.variants {
        let key = ObjectKey::variant(product_id, image_id, v.format.as_str(), v.width);
        if let Err(e) = state.storage.put(&key, v.format.content_type(), v.bytes.clone()).await {
            return retry("storage unavailable", e);
        }
        stored.push((key, v));
    }
    let saved = on_db!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query("DELETE FROM variant WHERE image_id = $1").bind(&row.id).execute(&mut *tx).await?;
        for (key, v) in &stored {
            sqlx::query("INSERT INTO variant (image_id, format, width, height, byte_size, storage_key) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&row.id).bind(v.format.as_str()).bind(i64::from(v.width)).bind(i64::from(v.height)).bind(v.bytes.len() as i64).bind(key.as_str())
                .execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE image SET status = 'ready', width = $1, height = $2, thumbhash = $3, processed_at = $4, error = NULL WHERE id = $5")
            .bind(i64::from(processed.width)).bind(i64::from(processed.height)).bind(&processed.thumbhash).bind(now_ms()).bind(&row.id)
            .execute(&mut *tx).await?;
        tx.commit().await
    }.await);
    match saved {
        Ok(()) => Outcome::Done,
        Err(e) => retry("database unavailable", e),
    }
}

async fn fail(db: &Db, image_id: Uuid, reason: &str) -> Outcome {
    tracing::info!(%image_id, %reason, "image failed processing");
    match mark_failed(db, image_id, reason).await {
        Ok(()) => Outcome::Done,
        Err(e) => retry("database unavailable", e),
    }
}
