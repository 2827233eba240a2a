//! Periodic jobs. Each has a row in `job_schedule` saying when it is next
//! due; a worker that finds it due moves that time forward and queues the job
//! in one transaction, guarded by the old time, so however many workers look
//! at once, exactly one queues it.

use std::time::Duration;

use super::{BackgroundJob, Janitor};
use crate::{
    on_tx,
    server::db::{Db, now_ms},
};

/// How often the janitor runs.
pub const JANITOR_EVERY: Duration = Duration::from_secs(15 * 60);

/// Queues every periodic job that is due; returns how many this call queued.
pub async fn queue_due(db: &Db) -> Result<usize, sqlx::Error> {
    Ok(usize::from(queue_if_due(db, &Janitor, JANITOR_EVERY).await?))
}

/// Queues `job` if its schedule says it is due, and moves the schedule on.
pub async fn queue_if_due<J: BackgroundJob>(db: &Db, job: &J, every: Duration) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    // The first look at a new schedule makes it due at once.
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO job_schedule (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(J::NAME).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    let claimed = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE job_schedule SET next_run_at = $1 WHERE name = $2 AND next_run_at <= $3")
        .bind(now + every.as_millis() as i64).bind(J::NAME).bind(now).execute(c).await.map(|r| r.rows_affected()))?
        == 1;
    if claimed {
        job.enqueue(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(claimed)
}
