//! The persisted queue (`job` table): insert inside a caller's transaction,
//! take the next due job with row locking, run it under a short lease that a
//! heartbeat renews while it runs, and finish it. A worker that dies stops
//! renewing its lease, so its job is taken again within [`LEASE`].

use std::time::Duration;

use uuid::Uuid;

use super::{
    BackgroundJob, Janitor, JobContext, Outcome, ProcessImage, schedule,
    wake::{self, Shutdown, Waker},
};
use crate::{
    on_db, on_tx,
    server::db::{Db, Tx, now_ms},
};

/// How long a taken job stays locked without a heartbeat.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often a running job renews its lease.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// A job this worker has locked.
#[derive(Debug, sqlx::FromRow)]
pub struct Taken {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

pub(super) async fn insert(tx: &mut Tx, kind: &str, payload: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO job (id, kind, payload, run_at, attempts, created_at) VALUES ($1, $2, $3, $4, 0, $4)")
        .bind(Uuid::new_v4().to_string()).bind(kind).bind(payload).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    // Counted when written: a transaction that rolls back later still counts (rare; see README).
    metrics::counter!(crate::server::metrics::JOBS_QUEUED, "kind" => kind.to_string()).increment(1);
    super::wake::notify(tx).await
}

/// How many jobs are due and not held, and since when the oldest has been due (ms).
pub async fn backlog(db: &Db) -> Result<(i64, Option<i64>), sqlx::Error> {
    let now = now_ms();
    on_db!(db, p => sqlx::query_as(
        "SELECT COUNT(*), MIN(run_at) FROM job WHERE run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)")
        .bind(now).fetch_one(p).await)
}

/// Locks the next due job, if any.
pub async fn take(db: &Db, worker: &str) -> Result<Option<Taken>, sqlx::Error> {
    let now = now_ms();
    let until = now + LEASE.as_millis() as i64;
    // PostgreSQL skips rows other workers hold; SQLite has a single writer anyway.
    let lock = if matches!(db, Db::Postgres(_)) {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE job SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM job WHERE run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) \
         ORDER BY run_at, created_at LIMIT 1 {lock}) RETURNING id, kind, payload, attempts"
    );
    on_db!(db, p => sqlx::query_as::<_, Taken>(&sql).bind(worker).bind(until).bind(now).fetch_optional(p).await)
}

async fn renew_lease(db: &Db, id: &str, worker: &str) -> Result<(), sqlx::Error> {
    let until = now_ms() + LEASE.as_millis() as i64;
    on_db!(db, p => sqlx::query("UPDATE job SET locked_until = $1 WHERE id = $2 AND locked_by = $3")
        .bind(until).bind(id).bind(worker).execute(p).await.map(|_| ()))
}

async fn delete(db: &Db, id: &str, worker: &str) -> Result<(), sqlx::Error> {
    on_db!(db, p => sqlx::query("DELETE FROM job WHERE id = $1 AND locked_by = $2")
        .bind(id).bind(worker).execute(p).await.map(|_| ()))
}

/// Runs one taken job of kind `J` to its end: done, retried later, or given up.
async fn run_as<J: BackgroundJob>(ctx: &JobContext, taken: &Taken, worker: &str) -> Result<(), sqlx::Error> {
    let job: J = match serde_json::from_str(&taken.payload) {
        Ok(job) => job,
        Err(e) => {
            tracing::error!(error = %e, kind = J::NAME, "unreadable job payload; dropping it");
            return delete(&ctx.db, &taken.id, worker).await;
        }
    };
    let heartbeat = async {
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            if let Err(e) = renew_lease(&ctx.db, &taken.id, worker).await {
                tracing::warn!(error = %e, "could not renew a job's lease");
            }
        }
    };
    let running = metrics::gauge!(crate::server::metrics::JOBS_RUNNING, "kind" => J::NAME);
    running.increment(1.0);
    let started = std::time::Instant::now();
    let outcome = tokio::select! {
        outcome = job.run(ctx) => outcome,
        _ = heartbeat => unreachable!("the heartbeat never ends"),
    };
    running.decrement(1.0);
    metrics::histogram!(crate::server::metrics::JOB_DURATION, "kind" => J::NAME)
        .record(started.elapsed().as_secs_f64());
    let result = match &outcome {
        Outcome::Done => "done",
        Outcome::Retry { .. } if taken.attempts < J::MAX_ATTEMPTS => "retried",
        Outcome::Retry { .. } => "failed",
    };
    metrics::counter!(crate::server::metrics::JOBS_FINISHED, "kind" => J::NAME, "outcome" => result).increment(1);
    // Whatever the job did (an image ready, failed, removed) may show on visitors' pages.
    ctx.pages.invalidate();
    match outcome {
        Outcome::Done => delete(&ctx.db, &taken.id, worker).await,
        Outcome::Retry { reason, detail } if taken.attempts < J::MAX_ATTEMPTS => {
            let run_at = now_ms() + J::backoff(taken.attempts).as_millis() as i64;
            on_db!(&ctx.db, p => sqlx::query(
                "UPDATE job SET run_at = $1, locked_by = NULL, locked_until = NULL, last_error = $2 WHERE id = $3 AND locked_by = $4")
                .bind(run_at).bind(format!("{reason}: {detail}")).bind(&taken.id).bind(worker).execute(p).await.map(|_| ()))
        }
        Outcome::Retry { reason, detail } => {
            tracing::warn!(job = %taken.id, kind = J::NAME, %detail, "job gave up after {} attempts", taken.attempts);
            job.give_up(ctx, reason, taken.attempts).await?;
            delete(&ctx.db, &taken.id, worker).await
        }
    }
}

/// Every kind of job this version knows, by stored name.
async fn dispatch(ctx: &JobContext, taken: &Taken, worker: &str) -> Result<(), sqlx::Error> {
    match taken.kind.as_str() {
        ProcessImage::NAME => run_as::<ProcessImage>(ctx, taken, worker).await,
        Janitor::NAME => run_as::<Janitor>(ctx, taken, worker).await,
        other => {
            // A newer version's job: leave it for a worker that knows it, and look again later.
            tracing::error!(kind = other, "unknown job kind; leaving it queued");
            on_db!(&ctx.db, p => sqlx::query("UPDATE job SET locked_by = NULL, locked_until = NULL, run_at = $1 WHERE id = $2")
                .bind(now_ms() + 60_000).bind(&taken.id).execute(p).await.map(|_| ()))
        }
    }
}

/// Runs due jobs until none is left; returns how many ran. Tests call this.
#[tracing::instrument(skip(ctx))]
pub async fn run_pending_jobs(ctx: &JobContext, worker: &str) -> Result<usize, sqlx::Error> {
    let mut n = 0;
    while let Some(taken) = take(&ctx.db, worker).await? {
        run_one(ctx, &taken, worker).await?;
        n += 1;
    }
    Ok(n)
}

/// Runs a taken job inside its own span.
async fn run_one(ctx: &JobContext, taken: &Taken, worker: &str) -> Result<(), sqlx::Error> {
    let span = tracing::info_span!("job", id = %taken.id, kind = %taken.kind, attempt = taken.attempts);
    tracing::Instrument::instrument(dispatch(ctx, taken, worker), span).await
}

/// The background worker: `concurrency` loops (one per core by default), each
/// draining the queue then waiting for work, and queueing periodic jobs when
/// due. Returns once `shutdown` turns true and every loop has finished the job
/// it held (a job is never abandoned half-way by a polite stop).
pub async fn work_until(ctx: JobContext, concurrency: usize, shutdown: Shutdown) {
    let loops: Vec<_> = (0..concurrency.max(1))
        .map(|_| tokio::spawn(work_loop(ctx.clone(), shutdown.clone())))
        .collect();
    for l in loops {
        if let Err(e) = l.await {
            tracing::error!(error = %e, "a job worker loop stopped");
        }
    }
}

async fn work_loop(ctx: JobContext, mut shutdown: Shutdown) {
    let worker = format!("worker-{}", Uuid::new_v4().simple());
    let mut waker = Waker::new(&ctx.db).await;
    tracing::info!(%worker, "job worker started");
    let mut busy = false;
    // One job at a time, so a stop request is seen between jobs.
    while !*shutdown.borrow() {
        match take(&ctx.db, &worker).await {
            Ok(Some(taken)) => {
                busy = true;
                if let Err(e) = run_one(&ctx, &taken, &worker).await {
                    tracing::error!(error = %e, "could not record a job's end");
                }
            }
            Ok(None) => {
                // The queue is drained: give the image buffers' memory back while idle.
                if std::mem::take(&mut busy) {
                    crate::imaging::release_memory();
                }
                // Periodic jobs are queued once the queue is drained: one query per drain, not per job.
                if let Err(e) = schedule::queue_due(&ctx.db).await {
                    tracing::warn!(error = %e, "could not queue periodic jobs");
                }
                waker.idle(&mut shutdown).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "job queue unavailable");
                tokio::time::sleep(wake::POLL * 4).await;
            }
        }
    }
    tracing::info!(%worker, "job worker stopped");
}
