//! The database handle: SQLite (embedded default) or PostgreSQL, chosen by the
//! URL. Queries are written once in portable SQL (`$1` placeholders work on
//! both) and run on whichever pool is live through the `on_db!` macro.

use std::{path::Path, str::FromStr, time::Duration};

use anyhow::{Context, Result};
use sqlx::{
    postgres::{PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};

/// How much of the SQLite file is read through a memory mapping (address space, not memory).
const SQLITE_MMAP_BYTES: u64 = 1 << 30;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool `db` holds; `$p` names the pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite($p) => $body,
            $crate::server::db::Db::Postgres($p) => $body,
        }
    };
}

/// An open transaction on whichever database is live. Changes that belong
/// together (a status and the job it needs) take one and commit once.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same expression on a transaction's connection; `$c` names it.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::server::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::server::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(t) => t.commit().await,
            Self::Postgres(t) => t.commit().await,
        }
    }
}

impl Db {
    /// Connects and migrates. An empty URL means SQLite at `{data_dir}/vitrine.db`.
    pub async fn connect(url: &str, data_dir: &Path) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await
                .context("cannot connect to PostgreSQL (check DATABASE_URL)")?;
            sqlx::migrate!("./migrations/postgres")
                .run(&pool)
                .await
                .context("PostgreSQL migrations failed")?;
            return Ok(Self::Postgres(pool));
        }
        let options = if url.is_empty() {
            SqliteConnectOptions::new().filename(data_dir.join("vitrine.db"))
        } else {
            SqliteConnectOptions::from_str(url).context("DATABASE_URL is neither postgres:// nor a SQLite URL")?
        };
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Statement journals (a multi-row INSERT inside a transaction keeps one)
            // and sort spills stay in memory instead of temporary files.
            .pragma("temp_store", "memory")
            // Pages are read through a mapping, not a read() each: connections drop
            // their page cache whenever another one has written, so reads are many.
            .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context("cannot open the SQLite database")?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .context("SQLite migrations failed")?;
        Ok(Self::Sqlite(pool))
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Self::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// For readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }
}

/// Milliseconds since the Unix epoch: the one time format in the schema.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
