//! API tokens for the REST door: created with a name and a scope, shown once,
//! stored only as a SHA-256 of the secret, revoked by id. A bearer secret is
//! checked with one indexed lookup (no password hash: the secret is 256 random
//! bits), so a flood of bad tokens costs a hash and a query each, and is not logged.

use std::{fmt, time::Duration};

use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    on_db,
    server::db::{Db, now_ms},
    validate::{ProductName, hex},
};

/// Every secret starts with this, so leaked ones are easy to recognise and grep for.
pub const SECRET_PREFIX: &str = "vit_";
/// `last_used_at` is written at most this often per token (not on every request).
const LAST_USED_GRANULARITY: Duration = Duration::from_secs(60);

/// What a token may do: `read` lists and reads; `write` also changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn parse(raw: &str) -> Result<Self, TokenError> {
        match raw {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            _ => Err(TokenError::Invalid("the scope is `read` or `write`".into())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }
}

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub scope: Scope,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<ApiToken> for crate::model::TokenDto {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            scope: t.scope.as_str().into(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// The secret of a new token: shown once, never serialised, never printed by `Debug`.
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Invalid(String),
    #[error("token not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    scope: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl Row {
    fn into_token(self) -> Result<ApiToken, sqlx::Error> {
        let corrupt = |what: String| sqlx::Error::Decode(what.into());
        Ok(ApiToken {
            id: Uuid::parse_str(&self.id).map_err(|_| corrupt(format!("api_token.id {:?}", self.id)))?,
            name: self.name,
            scope: Scope::parse(&self.scope).map_err(|_| corrupt(format!("api_token.scope {:?}", self.scope)))?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

const COLUMNS: &str = "id, name, scope, created_at, last_used_at, revoked_at";

fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether a string could be a secret at all (checked before any hashing or query).
fn well_formed(secret: &str) -> bool {
    secret.len() == SECRET_PREFIX.len() + 64
        && secret.starts_with(SECRET_PREFIX)
        && secret[SECRET_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[tracing::instrument(skip(db))]
pub async fn create(db: &Db, name: &str, scope: Scope) -> Result<(ApiToken, Secret), TokenError> {
    let name = ProductName::parse(name).map_err(TokenError::Invalid)?;
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let secret = Secret(format!("{SECRET_PREFIX}{}", hex(&raw)));
    let token = ApiToken {
        id: Uuid::new_v4(),
        name: name.as_str().to_string(),
        scope,
        created_at: now_ms(),
        last_used_at: None,
        revoked_at: None,
    };
    on_db!(db, p => sqlx::query("INSERT INTO api_token (id, name, scope, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token.id.to_string()).bind(&token.name).bind(scope.as_str()).bind(secret_hash(secret.expose()))
        .bind(token.created_at).execute(p).await.map(|_| ()))?;
    tracing::info!(token = %token.id, scope = scope.as_str(), "API token created");
    Ok((token, secret))
}

/// Every token, newest first, revoked ones included.
pub async fn list(db: &Db) -> Result<Vec<ApiToken>, TokenError> {
    let sql = format!("SELECT {COLUMNS} FROM api_token ORDER BY created_at DESC, id");
    let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await)?;
    Ok(rows.into_iter().map(Row::into_token).collect::<Result<_, _>>()?)
}

/// Revokes a token: from now on its secret is refused. Revoking twice is fine.
#[tracing::instrument(skip(db))]
pub async fn revoke(db: &Db, id: Uuid) -> Result<(), TokenError> {
    let n = on_db!(db, p => sqlx::query("UPDATE api_token SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
        .bind(now_ms()).bind(id.to_string()).execute(p).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(TokenError::NotFound);
    }
    tracing::info!(token = %id, "API token revoked");
    Ok(())
}

/// The live token behind a bearer secret, if any.
pub async fn authenticate(db: &Db, secret: &str) -> Result<Option<ApiToken>, sqlx::Error> {
    if !well_formed(secret) {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM api_token WHERE secret_hash = $1 AND revoked_at IS NULL");
    let hash = secret_hash(secret);
    let row: Option<Row> = on_db!(db, p => sqlx::query_as(&sql).bind(&hash).fetch_optional(p).await)?;
    let Some(token) = row.map(Row::into_token).transpose()? else {
        return Ok(None);
    };
    let now = now_ms();
    if token
        .last_used_at
        .is_none_or(|t| now - t >= LAST_USED_GRANULARITY.as_millis() as i64)
    {
        on_db!(db, p => sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
            .bind(now).bind(token.id.to_string()).execute(p).await.map(|_| ()))?;
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_refuse_others() {
        for s in [Scope::Read, Scope::Write] {
            assert_eq!(Scope::parse(s.as_str()).unwrap(), s);
        }
        assert!(Scope::parse("admin").is_err());
        assert!(Scope::parse("Read").is_err());
    }

    #[test]
    fn only_well_formed_secrets_are_looked_up() {
        let good = format!("{SECRET_PREFIX}{}", "ab".repeat(32));
        assert!(well_formed(&good));
        assert!(!well_formed(&good[..good.len() - 1]));
        assert!(!well_formed(&good.replace("vit_", "vat_")));
        assert!(!well_formed(&format!("{SECRET_PREFIX}{}", "zz".repeat(32))));
        assert!(!well_formed(&"x".repeat(10_000)));
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret("vit_secret".into())), "Secret(…)");
    }
}
