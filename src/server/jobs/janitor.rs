//! `janitor`, a periodic job (see `schedule`): removes what nobody will come
//! back for — pending uploads whose ticket ran out over [`ABANDONED_AFTER`]
//! ago (row, any object, any unfinished multipart upload), multipart uploads
//! the store still holds after [`STALE_MULTIPART_AFTER`], expired sessions and
//! old sign-in failure counts — and logs how many of each it removed.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{BackgroundJob, JobContext, Outcome};
use crate::server::{
    db::now_ms,
    repo::{images, sessions},
};

/// How long after its ticket expired a pending upload is abandoned.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(60 * 60);
/// Unfinished multipart uploads older than this are aborted, whoever owns them.
pub const STALE_MULTIPART_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// Pending uploads removed per run; the next run takes the rest.
const BATCH: i64 = 500;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Janitor;

impl BackgroundJob for Janitor {
    const NAME: &'static str = "janitor";
    const MAX_ATTEMPTS: i64 = 1; // the next scheduled run is the retry

    async fn run(&self, ctx: &JobContext) -> Outcome {
        let before = now_ms() - ABANDONED_AFTER.as_millis() as i64;
        let uploads = match remove_abandoned(ctx, before).await {
            Ok(n) => n,
            Err(e) => return Outcome::retry("abandoned uploads could not be removed", e),
        };
        let multiparts = match abort_stale_multiparts(ctx).await {
            Ok(n) => n,
            Err(e) => return Outcome::retry("stale multipart uploads could not be aborted", e),
        };
        let (sessions, failures) = match sessions::purge_expired(&ctx.db).await {
            Ok(n) => n,
            Err(e) => return Outcome::retry("expired sessions could not be purged", e),
        };
        for (what, n) in [
            ("uploads", uploads as u64),
            ("multipart_uploads", multiparts as u64),
            ("sessions", sessions),
            ("sign_in_failures", failures),
        ] {
            metrics::counter!(crate::server::metrics::JANITOR_REMOVED, "what" => what).increment(n);
        }
        tracing::info!(
            uploads,
            multiparts,
            sessions,
            failures,
            "janitor removed abandoned uploads, expired sessions and old sign-in failures"
        );
        Outcome::Done
    }
}

/// Pending uploads whose ticket expired before `before`: the object a late PUT
/// may have left goes first, then the row. Returns how many went.
async fn remove_abandoned(ctx: &JobContext, before: i64) -> Result<usize, String> {
    let mut removed = 0;
    for image in images::expired_pending(&ctx.db, before, BATCH)
        .await
        .map_err(|e| e.to_string())?
    {
        crate::server::services::parts::abort(&ctx.storage, &image)
            .await
            .map_err(|e| e.to_string())?;
        ctx.storage.delete(&image.key).await.map_err(|e| e.to_string())?;
        images::delete(&ctx.db, image.product_id, image.id)
            .await
            .map_err(|e| e.to_string())?;
        removed += 1;
    }
    Ok(removed)
}

/// Multipart uploads under `products/` started over a day ago (their rows,
/// if any, went with their tickets); a store that cannot list them has none here.
async fn abort_stale_multiparts(ctx: &JobContext) -> Result<usize, String> {
    let before = std::time::SystemTime::now() - STALE_MULTIPART_AFTER;
    let stale = ctx
        .storage
        .multiparts_before(crate::server::storage::ObjectKey::PRODUCTS_PREFIX, before)
        .await
        .map_err(|e| e.to_string())?;
    for (key, upload_id) in &stale {
        ctx.storage
            .abort_multipart(key, upload_id)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(stale.len())
}
