//! The persisted job queue (spec section 2): jobs are serde values with stable
//! names, enqueued in the same transaction as the change that needs them,
//! taken with row locking, retried with backoff. A worker that dies leaves a
//! lock that expires, so its job runs again.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    db::{Db, now_ms},
    services::processing,
    state::AppState,
};
use crate::on_db;

/// How long a taken job stays locked; a worker that has not finished by then is presumed dead.
pub const LOCK_TTL: Duration = Duration::from_secs(5 * 60);
/// Attempts before a job gives up (transient errors only; bad images fail at once).
pub const MAX_ATTEMPTS: i64 = 5;
const BACKOFF_BASE_MS: i64 = 2_000;
const IDLE_POLL: Duration = Duration::from_millis(500);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    ProcessImage { image_id: Uuid },
}

impl Job {
    /// The stable name stored in `job.kind`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ProcessImage { .. } => "process_image",
        }
    }
}

/// A job this worker has locked.
#[derive(Debug, sqlx::FromRow)]
pub struct Taken {
    pub id: String,
    pub payload: String,
    pub attempts: i64,
}

/// How a run ended.
pub enum Outcome {
    Done,
    /// Worth another try later (storage or database trouble).
    Retry(String),
}

/// SQL that inserts a job; run it inside the caller's transaction.
pub const ENQUEUE_SQL: &str =
    "INSERT INTO job (id, kind, payload, run_at, attempts, created_at) VALUES ($1, $2, $3, $4, 0, $4)";

pub fn enqueue_args(job: &Job) -> (String, &'static str, String, i64) {
    let payload = serde_json::to_string(job).expect("jobs serialize");
    (Uuid::new_v4().to_string(), job.name(), payload, now_ms())
}

/// Locks the next due job, if any.
pub async fn take(db: &Db, worker: &str) -> Result<Option<Taken>, sqlx::Error> {
    let now = now_ms();
    let until = now + LOCK_TTL.as_millis() as i64;
    // PostgreSQL skips rows other workers hold; SQLite has a single writer anyway.
    let lock = if matches!(db, Db::Postgres(_)) {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE job SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM job WHERE run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) \
         ORDER BY run_at, created_at LIMIT 1 {lock}) RETURNING id, payload, attempts"
    );
    on_db!(db, p => sqlx::query_as::<_, Taken>(&sql).bind(worker).bind(until).bind(now).fetch_optional(p).await)
}

async fn finish(db: &Db, taken: &Taken, worker: &str, outcome: Outcome) -> Result<(), sqlx::Error> {
    match outcome {
        Outcome::Done => {
            on_db!(db, p => sqlx::query("DELETE FROM job WHERE id = $1 AND locked_by = $2")
                .bind(&taken.id).bind(worker).execute(p).await.map(|_| ()))
        }
        Outcome::Retry(err) if taken.attempts < MAX_ATTEMPTS => {
            let backoff = BACKOFF_BASE_MS << (taken.attempts - 1).clamp(0, 10);
            on_db!(db, p => sqlx::query(
                "UPDATE job SET run_at = $1, locked_by = NULL, locked_until = NULL, last_error = $2 WHERE id = $3")
                .bind(now_ms() + backoff).bind(&err).bind(&taken.id).execute(p).await.map(|_| ()))
        }
        Outcome::Retry(err) => {
            tracing::warn!(job = %taken.id, error = %err, "job gave up");
            if let Ok(job) = serde_json::from_str::<Job>(&taken.payload) {
                processing::give_up(db, &job, "processing kept failing; retry it later").await?;
            }
            on_db!(db, p => sqlx::query("DELETE FROM job WHERE id = $1").bind(&taken.id).execute(p).await.map(|_| ()))
        }
    }
}

/// Runs one taken job to its outcome.
#[tracing::instrument(skip(state, taken), fields(job = %taken.id, attempt = taken.attempts))]
async fn run(state: &AppState, taken: &Taken) -> Outcome {
    match serde_json::from_str::<Job>(&taken.payload) {
        Ok(Job::ProcessImage { image_id }) => processing::process_image(state, image_id).await,
        Err(e) => {
            tracing::error!(error = %e, "unreadable job payload; dropping it");
            Outcome::Done
        }
    }
}

/// Runs due jobs until none is left; returns how many ran. Tests call this.
pub async fn run_pending_jobs(state: &AppState, worker: &str) -> Result<usize, sqlx::Error> {
    let mut n = 0;
    while let Some(taken) = take(&state.db, worker).await? {
        let outcome = run(state, &taken).await;
        finish(&state.db, &taken, worker, outcome).await?;
        n += 1;
    }
    Ok(n)
}

/// The background worker: `workers` loops (one per core by default, like the
/// processing benchmark), each draining the queue then polling. Never returns.
pub async fn work_forever(state: AppState, workers: usize) {
    let loops: Vec<_> = (0..workers.max(1))
        .map(|_| tokio::spawn(work_loop(state.clone())))
        .collect();
    for l in loops {
        if let Err(e) = l.await {
            tracing::error!(error = %e, "a job worker loop stopped");
        }
    }
}

async fn work_loop(state: AppState) {
    let worker = format!("worker-{}", Uuid::new_v4().simple());
    tracing::info!(%worker, "job worker started");
    loop {
        match run_pending_jobs(&state, &worker).await {
            Ok(0) => tokio::time::sleep(IDLE_POLL).await,
            // The queue is drained: give the image buffers' memory back while idle.
            Ok(_) => crate::imaging::release_memory(),
            Err(e) => {
                tracing::error!(error = %e, "job queue unavailable");
                tokio::time::sleep(IDLE_POLL * 4).await;
            }
        }
    }
}
