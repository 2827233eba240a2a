//! Background jobs, the way crates.io runs them: each kind is a serde type
//! with a stable name that implements [`BackgroundJob`] in its own file,
//! owning its retry policy and what happens when it gives up. Jobs are
//! enqueued in the same transaction as the change that needs them
//! ([`BackgroundJob::enqueue`]), taken with row locking (`queue`), and run
//! with a [`JobContext`]: the database, storage and imaging settings — never
//! the web state. Periodic jobs are declared in `schedule`.

mod janitor;
mod process_image;
pub mod queue;
pub mod schedule;
pub mod wake;

use std::{future::Future, time::Duration};

use serde::{Serialize, de::DeserializeOwned};

pub use janitor::Janitor;
pub use process_image::ProcessImage;
pub use queue::{LEASE, run_pending_jobs, work_until};

use super::{
    db::{Db, Tx},
    storage::Storage,
};
use crate::imaging::Limits;

/// What every job may use.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub db: Db,
    pub storage: Storage,
    pub imaging: ImagingSettings,
    /// Kept visitors' pages: stale once a job changed something.
    pub pages: std::sync::Arc<crate::server::page_cache::PageCache>,
}

/// How images are processed (from settings).
#[derive(Clone, Copy, Debug, Default)]
pub struct ImagingSettings {
    pub limits: Limits,
    /// Make AVIF variants next to the WebP ones (`processing.avif`).
    pub avif: bool,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Worth another try later (storage or database trouble). `reason` may be
    /// shown to the admin; `detail` is for operators (logged, kept on the job row).
    Retry {
        reason: &'static str,
        detail: String,
    },
}

impl Outcome {
    pub fn retry(reason: &'static str, detail: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, "{reason}; will retry");
        Self::Retry {
            reason,
            detail: detail.to_string(),
        }
    }
}

/// One kind of job.
pub trait BackgroundJob: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stored in `job.kind`; never rename one that may be queued.
    const NAME: &'static str;
    /// Runs before the job gives up.
    const MAX_ATTEMPTS: i64 = 5;

    fn run(&self, ctx: &JobContext) -> impl Future<Output = Outcome> + Send;

    /// Called once when the last attempt asked for a retry.
    fn give_up(
        &self,
        _ctx: &JobContext,
        _reason: &str,
        _attempts: i64,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        async { Ok(()) }
    }

    /// How long to wait after failed attempt number `attempt` (1-based).
    fn backoff(attempt: i64) -> Duration {
        Duration::from_secs(2) * (1u32 << (attempt - 1).clamp(0, 10))
    }

    /// Queues the job in the caller's transaction: it exists exactly when the change does.
    fn enqueue(&self, tx: &mut Tx) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        let payload = serde_json::to_string(self).expect("jobs serialize");
        async move { queue::insert(tx, Self::NAME, &payload).await }
    }
}
