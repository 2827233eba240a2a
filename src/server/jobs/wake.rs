//! How an idle worker learns of new jobs, and when it must stop taking them.
//! On PostgreSQL every enqueue `NOTIFY`s the `vitrine_jobs` channel (delivered
//! when its transaction commits) and idle workers `LISTEN` on it, so
//! processing starts as soon as an upload completes; polling stays as the
//! fallback, and is all SQLite has. A shutdown signal wakes them too.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::server::db::{Db, Tx};

/// The channel enqueues notify and idle workers listen on.
pub const CHANNEL: &str = "vitrine_jobs";
/// Polling when nothing else wakes a worker (SQLite, or the listener lost).
pub const POLL: Duration = Duration::from_millis(500);
/// Polling beside a live listener: only a fallback for a lost notification.
pub const POLL_LISTENING: Duration = Duration::from_secs(5);

/// Tells idle workers a job is due, once the caller's transaction commits.
pub(super) async fn notify(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// Set to `true` to ask workers to stop taking jobs (they finish the one they hold).
pub type Shutdown = watch::Receiver<bool>;

pub struct Waker {
    listener: Option<PgListener>,
}

impl Waker {
    pub async fn new(db: &Db) -> Self {
        let Db::Postgres(pool) = db else {
            return Self { listener: None };
        };
        let listener = async {
            let mut l = PgListener::connect_with(pool).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        }
        .await;
        match listener {
            Ok(l) => Self { listener: Some(l) },
            Err(e) => {
                tracing::warn!(error = %e, "cannot LISTEN for new jobs; polling instead");
                Self { listener: None }
            }
        }
    }

    /// Waits until a job may be due: a notification, the poll interval, or shutdown.
    pub async fn idle(&mut self, shutdown: &mut Shutdown) {
        let Some(listener) = self.listener.as_mut() else {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                changed = shutdown.changed() => gone(changed).await,
            }
            return;
        };
        let lost = tokio::select! {
            _ = tokio::time::sleep(POLL_LISTENING) => None,
            got = listener.recv() => got.err(),
            changed = shutdown.changed() => {
                gone(changed).await;
                None
            }
        };
        if let Some(e) = lost {
            // PgListener reconnects on its next `recv`; poll meanwhile.
            tracing::warn!(error = %e, "lost the job notification channel");
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A dropped sender reads as a change at once, every time: wait a poll then,
/// rather than spin.
async fn gone(changed: Result<(), watch::error::RecvError>) {
    if changed.is_err() {
        tokio::time::sleep(POLL).await;
    }
}
