//! `process_image`: original → web variants in the image's folder, rows in
//! `variant`, status `ready`. A bad image fails at once with its reason;
//! storage or database trouble is retried by the queue, and when the retries
//! run out the image is marked failed with the last reason and the count.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{BackgroundJob, JobContext, Outcome};
use crate::{
    imaging::{self, ImagingError},
    model::ImageStatus,
    server::{
        repo::{
            images::{self, Processed},
            variants::{self, NewVariant},
        },
        storage::{ObjectKey, StorageError},
    },
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessImage {
    pub image_id: Uuid,
}

impl BackgroundJob for ProcessImage {
    const NAME: &'static str = "process_image";

    async fn run(&self, ctx: &JobContext) -> Outcome {
        process(ctx, self.image_id).await
    }

    async fn give_up(&self, ctx: &JobContext, reason: &str, attempts: i64) -> Result<(), sqlx::Error> {
        let shown = format!("{reason} ({attempts} attempts); press Retry to try again");
        images::mark_failed(&ctx.db, self.image_id, &shown).await.map(|_| ())
    }
}

#[tracing::instrument(skip(ctx))]
async fn process(ctx: &JobContext, image_id: Uuid) -> Outcome {
    let db = &ctx.db;
    let image = match images::find(db, image_id).await {
        Ok(Some(image)) => image,
        Ok(None) => return Outcome::Done, // deleted meanwhile: nothing to do
        Err(e) => return Outcome::retry("database unavailable", e),
    };
    if !matches!(image.status, ImageStatus::Uploaded | ImageStatus::Processing) {
        return Outcome::Done;
    }
    match images::mark_processing(db, image_id).await {
        Ok(true) => {}
        Ok(false) => return Outcome::Done, // it moved on (deleted, or failed by a cancel)
        Err(e) => return Outcome::retry("database unavailable", e),
    }
    let limits = ctx.imaging.limits;
    if image.byte_size as u64 > limits.max_bytes {
        let reason = ImagingError::TooLarge(format!("the file is over {} MiB", limits.max_bytes / (1024 * 1024)));
        return fail(ctx, image_id, &reason.to_string()).await;
    }
    let bytes = match ctx.storage.get(&image.key).await {
        Ok(b) => b,
        Err(StorageError::NotFound) => return fail(ctx, image_id, "the original is missing from storage").await,
        Err(e) => return Outcome::retry("storage unavailable", e),
    };
    let avif = ctx.imaging.avif;
    let result = in_background(move || imaging::process(&bytes, &limits, avif)).await;
    let processed = match result {
        Some(Ok(p)) => p,
        Some(Err(e)) => return fail(ctx, image_id, &e.to_string()).await,
        None => {
            tracing::error!("image processing panicked");
            return fail(ctx, image_id, "the image could not be processed").await;
        }
    };
    // This run's number names its keys; earlier runs' variants go once this one is recorded.
    let run = image.attempts + 1;
    let mut keys = Vec::with_capacity(processed.variants.len());
    for v in &processed.variants {
        let key = ObjectKey::variant(image.product_id, image_id, run, v.format.as_str(), v.width);
        if let Err(e) = ctx.storage.put(&key, v.format.content_type(), v.bytes.clone()).await {
            return Outcome::retry("storage unavailable", e);
        }
        keys.push(key);
    }
    let rows: Vec<NewVariant> = processed
        .variants
        .iter()
        .zip(&keys)
        .map(|(v, key)| NewVariant {
            format: v.format,
            width: v.width,
            height: v.height,
            byte_size: v.bytes.len(),
            key,
        })
        .collect();
    let done = Processed {
        width: processed.width,
        height: processed.height,
        thumbhash: &processed.thumbhash,
    };
    let saved = async {
        let mut tx = db.begin().await?;
        variants::replace(&mut tx, image_id, &rows).await?;
        images::mark_ready(&mut tx, image_id, &done).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = saved {
        return Outcome::retry("database unavailable", e);
    }
    // A first run has no earlier runs to clean up, and listing the folder for
    // each of them cost a drop of 1,000 small files half its upload speed (the
    // embedded store walks its directories to list).
    if image.attempts > 0 {
        remove_earlier_runs(ctx, image.product_id, image_id, run).await;
    }
    Outcome::Done
}

/// Deletes the variants of earlier runs: the ones this run replaced, and any
/// a run killed mid-way left without rows. Later runs' objects are left alone
/// (a reprocess may be writing them). A leftover is harmless (nothing points
/// at it) and `reconcile` would find it.
async fn remove_earlier_runs(ctx: &JobContext, product_id: Uuid, image_id: Uuid, run: i64) {
    let folder = ObjectKey::image_folder(product_id, image_id);
    let stored = match ctx.storage.list(&folder).await {
        Ok(keys) => keys,
        Err(e) => return tracing::warn!(error = %e, "could not list an image's variants to remove old ones"),
    };
    for key in stored {
        if ObjectKey::variant_run(&key).is_some_and(|r| r < run)
            && let Err(e) = ctx.storage.delete(&ObjectKey::from_stored(key.clone())).await
        {
            tracing::warn!(error = %e, key, "could not delete a replaced variant");
        }
    }
}

async fn fail(ctx: &JobContext, image_id: Uuid, reason: &str) -> Outcome {
    tracing::info!(%image_id, %reason, "image failed processing");
    match images::mark_failed(&ctx.db, image_id, reason).await {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::retry("database unavailable", e),
    }
}

/// Runs image work on a thread of its own at the background priority
/// ([`imaging::BACKGROUND_NICE`]), not on tokio's blocking pool, whose threads
/// also verify passwords and must keep their priority. `None` if it panicked.
async fn in_background<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("imaging".into()).spawn(move || {
        imaging::lower_thread_priority();
        let _ = tx.send(work());
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start an imaging thread");
        return None;
    }
    rx.await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn image_work_runs_at_the_background_priority() {
        // SAFETY: getpriority only reads the calling thread's nice value.
        let nice_of_this_thread = || unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let before = nice_of_this_thread();
        let nice = in_background(nice_of_this_thread).await;
        // (A suite already run at a lower priority stays there: nobody may raise it.)
        assert_eq!(nice, Some(before.max(imaging::BACKGROUND_NICE)));
        // The caller's own thread keeps its priority.
        assert_eq!(nice_of_this_thread(), before);
    }

    #[tokio::test]
    async fn a_panic_in_image_work_is_an_answer_not_a_crash() {
        assert_eq!(in_background(|| -> u8 { panic!("corrupt") }).await, None);
    }
}
