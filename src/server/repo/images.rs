//! The `image` table, and nothing else: typed rows that fail loudly when a
//! stored value is not what the schema promises, and the lifecycle as named
//! transitions. Each transition is one guarded `UPDATE … WHERE status IN (…)`
//! and reports whether it happened, so two callers racing cannot both win.
//!
//! pending → uploaded → processing → ready, with failed reachable from every
//! step and `requeue` (ready | failed → uploaded) for reprocessing.

use uuid::Uuid;

use super::{decode_err, parse_uuid};
use crate::{
    model::ImageStatus,
    on_db, on_tx,
    server::{
        db::{Db, Tx, now_ms},
        storage::ObjectKey,
    },
};

/// Room left between neighbours' ordering keys, so a later move writes one row.
pub const POSITION_GAP: i64 = 1024;

pub(super) const COLUMNS: &str = "id, product_id, position, status, original_filename, content_type, byte_size, \
     storage_key, alt_text, title, description, tags, error, upload_expires_at, width, height, thumbhash, \
     sha256, attempts, upload_id";

/// One image as stored.
#[derive(Clone, Debug)]
pub struct Image {
    pub id: Uuid,
    pub product_id: Uuid,
    pub position: i64,
    pub status: ImageStatus,
    pub original_filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub key: ObjectKey,
    pub alt_text: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub error: Option<String>,
    /// When the upload ticket runs out (pending images only); the janitor reads it.
    pub upload_expires_at: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumbhash: Option<String>,
    /// The digest the upload ticket bound (storage refused any other bytes).
    pub sha256: Option<String>,
    /// How many times processing has started.
    pub attempts: i64,
    /// The store's multipart upload id while a big original goes up in parts.
    pub upload_id: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct Raw {
    id: String,
    product_id: String,
    position: i64,
    status: String,
    original_filename: String,
    content_type: String,
    byte_size: i64,
    storage_key: String,
    alt_text: String,
    title: String,
    description: String,
    tags: String,
    error: Option<String>,
    upload_expires_at: Option<i64>,
    width: Option<i64>,
    height: Option<i64>,
    thumbhash: Option<String>,
    sha256: Option<String>,
    attempts: i64,
    upload_id: Option<String>,
}

impl TryFrom<Raw> for Image {
    type Error = sqlx::Error;

    fn try_from(r: Raw) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: parse_uuid("image.id", &r.id)?,
            product_id: parse_uuid("image.product_id", &r.product_id)?,
            position: r.position,
            status: ImageStatus::parse(&r.status).ok_or_else(|| decode_err("image.status", &r.status))?,
            original_filename: r.original_filename,
            content_type: r.content_type,
            byte_size: r.byte_size,
            key: ObjectKey::from_stored(r.storage_key),
            alt_text: r.alt_text,
            title: r.title,
            description: r.description,
            tags: r
                .tags
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            error: r.error,
            upload_expires_at: r.upload_expires_at,
            width: r.width,
            height: r.height,
            thumbhash: r.thumbhash,
            sha256: r.sha256,
            attempts: r.attempts,
            upload_id: r.upload_id,
        })
    }
}

pub(super) fn decode_all(raw: Vec<Raw>) -> Result<Vec<Image>, sqlx::Error> {
    raw.into_iter().map(Image::try_from).collect()
}

/// `status IN ('a', 'b')` from the enum's own names (constants, never input).
fn status_in(from: &[ImageStatus]) -> String {
    let names: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("status IN ({})", names.join(", "))
}

/// Which of `digests` a product's gallery already holds (images that did not fail).
pub async fn present_digests(
    db: &Db,
    product_id: Uuid,
    digests: &[&str],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    if digests.is_empty() {
        return Ok(Default::default());
    }
    let pid = product_id.to_string();
    let rows: Vec<(String,)> = match db {
        Db::Sqlite(p) => {
            let sql = format!(
                "SELECT DISTINCT sha256 FROM image WHERE product_id = ? AND status <> 'failed' AND sha256 IN ({})",
                vec!["?"; digests.len()].join(", ")
            );
            let mut q = sqlx::query_as(&sql).bind(&pid);
            for d in digests {
                q = q.bind(*d);
            }
            q.fetch_all(p).await?
        }
        // One array parameter: the statement is the same for every batch size, so
        // PostgreSQL plans it once instead of on every call. A join, not `= ANY`:
        // a plan made while the table was small then seq-scanned a grown gallery
        // (27 ms at 15,000 images); the join probes the index once per digest.
        Db::Postgres(p) => {
            sqlx::query_as(
                "SELECT DISTINCT i.sha256 FROM UNNEST($2::text[]) AS d(sha256) \
                 JOIN image i ON i.product_id = $1 AND i.sha256 = d.sha256 WHERE i.status <> 'failed'",
            )
            .bind(&pid)
            .bind(digests)
            .fetch_all(p)
            .await?
        }
    };
    Ok(rows.into_iter().map(|(d,)| d).collect())
}

/// A product's pending images that hold one of `digests`: the same file
/// dropped again resumes its upload instead of starting over.
pub async fn resumable(db: &Db, product_id: Uuid, digests: &[&str]) -> Result<Vec<Image>, sqlx::Error> {
    if digests.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (0..digests.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM image WHERE product_id = $1 AND status = 'pending' AND sha256 IN ({})",
        list.join(", ")
    );
    decode_all(on_db!(db, p => {
        let mut q = sqlx::query_as(&sql).bind(product_id.to_string());
        for d in digests {
            q = q.bind(*d);
        }
        q.fetch_all(p).await
    })?)
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<Image>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM image WHERE id = $1");
    let raw: Option<Raw> = on_db!(db, p => sqlx::query_as(&sql).bind(id.to_string()).fetch_optional(p).await)?;
    raw.map(Image::try_from).transpose()
}

/// A product's images in gallery order.
pub async fn list_for_product(db: &Db, product_id: Uuid) -> Result<Vec<Image>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM image WHERE product_id = $1 ORDER BY position, created_at, id");
    decode_all(on_db!(db, p => sqlx::query_as(&sql).bind(product_id.to_string()).fetch_all(p).await)?)
}

/// Every image of every product (for `reconcile`, which compares them with the bucket).
pub async fn all(db: &Db) -> Result<Vec<Image>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM image ORDER BY product_id, position");
    decode_all(on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await)?)
}

/// Pending images whose ticket ran out before `before` (for the janitor).
pub async fn expired_pending(db: &Db, before: i64, limit: i64) -> Result<Vec<Image>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM image WHERE status = 'pending' AND upload_expires_at < $1 ORDER BY upload_expires_at LIMIT $2"
    );
    decode_all(on_db!(db, p => sqlx::query_as(&sql).bind(before).bind(limit).fetch_all(p).await)?)
}

/// True while an image waits for its original at `key` (a ticket may still write it).
pub async fn awaits_original(db: &Db, key: &str) -> bool {
    let Some(image_id) = ObjectKey::image_of_original(key) else {
        return false;
    };
    let found: Result<i64, sqlx::Error> = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM image WHERE id = $1 AND storage_key = $2 AND status = 'pending'")
        .bind(image_id.to_string()).bind(key).fetch_one(p).await);
    matches!(found, Ok(n) if n > 0)
}

/// What a new upload ticket creates.
pub struct NewImage<'a> {
    pub id: Uuid,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub byte_size: u64,
    pub key: &'a ObjectKey,
    pub expires_at: i64,
    pub sha256: Option<&'a str>,
    pub upload_id: Option<&'a str>,
}

/// Bound values per row of `insert_pending`'s statement.
const PENDING_COLUMNS: usize = 11;

/// The columns a pending image is inserted with, in the order both engines' statements give them.
const PENDING_INSERT: &str = "INSERT INTO image (id, product_id, position, status, original_filename, content_type, \
     byte_size, storage_key, upload_expires_at, created_at, sha256, upload_id)";

/// SQLite's batch INSERT for `rows` pending images. SQLite resolves each `$N`
/// by name, a scan of all the statement's names per parameter: with 1,100 of
/// them binding took a tenth of a 100-file `begin_upload`; plain `?` is positional.
fn pending_insert_sql(rows: usize) -> String {
    let row = format!("(?, ?, ?, 'pending', {})", ["?"; PENDING_COLUMNS - 3].join(", "));
    format!("{PENDING_INSERT} VALUES {}", vec![row.as_str(); rows].join(", "))
}

/// Inserts pending images after the product's last one, in the caller's
/// transaction. The product row is locked first (an `UPDATE`, which both
/// engines serialise), so batches begun at once never share positions.
pub async fn insert_pending(tx: &mut Tx, product_id: Uuid, new: &[NewImage<'_>]) -> Result<(), sqlx::Error> {
    if new.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let pid = product_id.to_string();
    // Lock first, then read: on PostgreSQL a statement that waited for the lock
    // still reads with the snapshot it started with, so a `RETURNING (SELECT MAX…)`
    // missed the positions of the batch it waited for.
    on_tx!(tx, c => sqlx::query("UPDATE product SET updated_at = $1 WHERE id = $2")
        .bind(now).bind(&pid).execute(c).await.map(|_| ()))?;
    let last: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("SELECT MAX(position) FROM image WHERE product_id = $1")
        .bind(&pid).fetch_one(c).await)?;
    let first = last.unwrap_or(0) + POSITION_GAP;
    // One statement for the whole batch: a round trip per file made 100 tickets
    // cost tens of milliseconds on PostgreSQL.
    let position = |i: usize| first + i as i64 * POSITION_GAP;
    match tx {
        Tx::Sqlite(c) => {
            let sql = pending_insert_sql(new.len());
            let mut q = sqlx::query(&sql);
            for (i, n) in new.iter().enumerate() {
                q = q
                    .bind(n.id.to_string())
                    .bind(&pid)
                    .bind(position(i))
                    .bind(n.filename)
                    .bind(n.content_type)
                    .bind(n.byte_size as i64)
                    .bind(n.key.as_str())
                    .bind(n.expires_at)
                    .bind(now)
                    .bind(n.sha256)
                    .bind(n.upload_id);
            }
            q.execute(&mut **c).await?;
        }
        // Columns as arrays: one statement text for any batch size, planned once,
        // and 12 parameters to bind instead of 11 per row.
        Tx::Postgres(c) => {
            let col = |f: &dyn Fn(&NewImage) -> String| new.iter().map(f).collect::<Vec<String>>();
            let opt = |f: &dyn Fn(&NewImage) -> Option<String>| new.iter().map(f).collect::<Vec<Option<String>>>();
            let sql = format!(
                "{PENDING_INSERT} \
                 SELECT id, $1, $2 + (n - 1) * $3, 'pending', name, kind, size, key, expires, $4, sha256, upload_id \
                 FROM UNNEST($5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[], \
                             $11::text[], $12::text[]) \
                 WITH ORDINALITY AS t(id, name, kind, size, key, expires, sha256, upload_id, n)"
            );
            sqlx::query(&sql)
                .bind(&pid)
                .bind(first)
                .bind(POSITION_GAP)
                .bind(now)
                .bind(col(&|n| n.id.to_string()))
                .bind(col(&|n| n.filename.to_string()))
                .bind(col(&|n| n.content_type.to_string()))
                .bind(new.iter().map(|n| n.byte_size as i64).collect::<Vec<i64>>())
                .bind(col(&|n| n.key.as_str().to_string()))
                .bind(new.iter().map(|n| n.expires_at).collect::<Vec<i64>>())
                .bind(opt(&|n| n.sha256.map(str::to_string)))
                .bind(opt(&|n| n.upload_id.map(str::to_string)))
                .execute(&mut **c)
                .await?;
        }
    }
    Ok(())
}

/// A renewed ticket's expiry (pending images only).
pub async fn extend_ticket(db: &Db, id: Uuid, expires_at: i64) -> Result<bool, sqlx::Error> {
    let r = on_db!(db, p => sqlx::query("UPDATE image SET upload_expires_at = $1 WHERE id = $2 AND status = 'pending'")
        .bind(expires_at).bind(id.to_string()).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// pending → uploaded, with the type the bytes really have.
pub async fn mark_uploaded(tx: &mut Tx, id: Uuid, content_type: &str) -> Result<bool, sqlx::Error> {
    let r = on_tx!(tx, c => sqlx::query(
        "UPDATE image SET status = 'uploaded', content_type = $1, uploaded_at = $2, upload_expires_at = NULL, \
         upload_id = NULL, error = NULL WHERE id = $3 AND status = 'pending'")
        .bind(content_type).bind(now_ms()).bind(id.to_string()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// ready | failed → uploaded, for reprocessing.
pub async fn requeue(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE image SET status = 'uploaded', error = NULL WHERE id = $1 AND {}",
        status_in(&[ImageStatus::Ready, ImageStatus::Failed])
    );
    let r = on_tx!(tx, c => sqlx::query(&sql).bind(id.to_string()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// uploaded | processing → processing, counting the attempt. A job that finds the
/// image still `processing` is a retry after its worker died.
pub async fn mark_processing(db: &Db, id: Uuid) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE image SET status = 'processing', attempts = attempts + 1 WHERE id = $1 AND {}",
        status_in(&[ImageStatus::Uploaded, ImageStatus::Processing])
    );
    let r = on_db!(db, p => sqlx::query(&sql).bind(id.to_string()).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// What processing learnt about the image.
pub struct Processed<'a> {
    pub width: u32,
    pub height: u32,
    pub thumbhash: &'a str,
}

/// processing → ready (its variants are written in the same transaction).
pub async fn mark_ready(tx: &mut Tx, id: Uuid, p: &Processed<'_>) -> Result<bool, sqlx::Error> {
    let r = on_tx!(tx, c => sqlx::query(
        "UPDATE image SET status = 'ready', width = $1, height = $2, thumbhash = $3, processed_at = $4, error = NULL \
         WHERE id = $5 AND status = 'processing'")
        .bind(i64::from(p.width)).bind(i64::from(p.height)).bind(p.thumbhash).bind(now_ms()).bind(id.to_string())
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// Any unfinished state → failed, with a reason a person can act on.
pub async fn mark_failed(db: &Db, id: Uuid, reason: &str) -> Result<bool, sqlx::Error> {
    fail_from(
        db,
        id,
        reason,
        &[ImageStatus::Pending, ImageStatus::Uploaded, ImageStatus::Processing],
    )
    .await
}

/// uploaded | processing | ready → failed, for an image whose original is gone
/// from storage (found by `reconcile`): nothing can be processed again.
pub async fn mark_original_lost(db: &Db, id: Uuid, reason: &str) -> Result<bool, sqlx::Error> {
    fail_from(
        db,
        id,
        reason,
        &[ImageStatus::Uploaded, ImageStatus::Processing, ImageStatus::Ready],
    )
    .await
}

/// The one `→ failed` statement, guarded by the states it may leave. The ticket's
/// expiry goes too (only pending images have one).
async fn fail_from(db: &Db, id: Uuid, reason: &str, from: &[ImageStatus]) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE image SET status = 'failed', error = $1, upload_expires_at = NULL WHERE id = $2 AND {}",
        status_in(from)
    );
    let r = on_db!(db, p => sqlx::query(&sql).bind(reason).bind(id.to_string()).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

pub async fn set_position(db: &Db, id: Uuid, position: i64) -> Result<(), sqlx::Error> {
    on_db!(db, p => sqlx::query("UPDATE image SET position = $1 WHERE id = $2")
        .bind(position).bind(id.to_string()).execute(p).await.map(|_| ()))
}

/// Spreads the given gallery order out again with `POSITION_GAP` between keys.
pub async fn renumber(db: &Db, in_order: &[Uuid]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for (i, id) in in_order.iter().enumerate() {
        on_tx!(&mut tx, c => sqlx::query("UPDATE image SET position = $1 WHERE id = $2")
            .bind((i as i64 + 1) * POSITION_GAP).bind(id.to_string()).execute(c).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await
}

/// Cleaned text; see `validate::ImageText`.
pub async fn set_text(
    db: &Db,
    id: Uuid,
    alt: &str,
    title: &str,
    description: &str,
    tags: &[String],
) -> Result<(), sqlx::Error> {
    on_db!(db, p => sqlx::query("UPDATE image SET alt_text = $1, title = $2, description = $3, tags = $4 WHERE id = $5")
        .bind(alt).bind(title).bind(description).bind(tags.join(",")).bind(id.to_string())
        .execute(p).await.map(|_| ()))
}

/// Removes the row (its variants go with it); a cover pointing at it is cleared first.
pub async fn delete(db: &Db, product_id: Uuid, id: Uuid) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("UPDATE product SET cover_image_id = NULL WHERE id = $1 AND cover_image_id = $2")
        .bind(product_id.to_string()).bind(id.to_string()).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM image WHERE id = $1").bind(id.to_string()).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_guards_name_only_known_states() {
        assert_eq!(
            status_in(&[ImageStatus::Ready, ImageStatus::Failed]),
            "status IN ('ready', 'failed')"
        );
    }

    #[test]
    fn the_batch_insert_positions_every_value() {
        let sql = pending_insert_sql(2);
        assert_eq!(sql.matches('?').count(), 2 * PENDING_COLUMNS);
        assert!(sql.ends_with(
            "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)"
        ));
        assert!(!sql.contains('$'));
    }
}
