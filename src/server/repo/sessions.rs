//! Expiry of the sign-in tables (`session`, `sign_in_failure`): what the
//! janitor purges. Signing in and out is `services::auth`.

use std::time::Duration;

use crate::{
    on_db,
    server::db::{Db, now_ms},
};

/// How long a client's failed sign-ins are remembered after its last block ended.
pub const FAILURES_KEPT: Duration = Duration::from_secs(24 * 60 * 60);

/// Removes expired sessions and failure counts nobody is blocked by any more;
/// returns how many of each.
pub async fn purge_expired(db: &Db) -> Result<(u64, u64), sqlx::Error> {
    let now = now_ms();
    let sessions = on_db!(db, p => sqlx::query("DELETE FROM session WHERE expires_at <= $1").bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    let failures = on_db!(db, p => sqlx::query("DELETE FROM sign_in_failure WHERE blocked_until < $1")
        .bind(now - FAILURES_KEPT.as_millis() as i64).execute(p).await.map(|r| r.rows_affected()))?;
    Ok((sessions, failures))
}
