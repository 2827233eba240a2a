//! Accounts and sessions: argon2id password hashes, random session tokens
//! stored only as SHA-256, and a growing wait after repeated failed sign-ins
//! of one email from one client.

use std::{net::IpAddr, time::Duration};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::sign_in_limits::{Busy, SignInLimits};
use crate::{
    on_db,
    server::db::{Db, now_ms},
    validate::{Email, hex},
};

pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub is_admin: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many failed sign-ins; try again in {0} s")]
    Throttled(i64),
    #[error("too many sign-ins at once; try again in {0} s")]
    Busy(u64),
    #[error("that email already has an account")]
    Exists,
    #[error("password hashing failed")]
    Hash,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The normalised email, or the reason it is not one.
pub fn parse_email(raw: &str) -> Result<String, AuthError> {
    Email::parse(raw)
        .map(|e| e.as_str().to_string())
        .map_err(AuthError::Invalid)
}

fn check_password(pw: &str) -> Result<(), AuthError> {
    let n = pw.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(AuthError::Invalid(format!(
            "passwords have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

async fn hash_password(pw: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| AuthError::Hash)
    })
    .await
    .map_err(|_| AuthError::Hash)?
}

/// One argon2id check: CPU and ≈ 19 MiB; run only under a `SignInLimits` permit.
fn password_matches(pw: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
}

pub async fn create_user(db: &Db, email: &str, password: &str, is_admin: bool) -> Result<User, AuthError> {
    let email = parse_email(email)?;
    check_password(password)?;
    let hash = hash_password(password.to_string()).await?;
    let id = Uuid::new_v4().to_string();
    let res = on_db!(db, p => sqlx::query(
        "INSERT INTO app_user (id, email, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id).bind(&email).bind(&hash).bind(is_admin).bind(now_ms()).execute(p).await.map(|_| ()));
    match res {
        Ok(()) => Ok(User { id, email, is_admin }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AuthError::Exists),
        Err(e) => Err(e.into()),
    }
}

pub async fn user_count(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM app_user").fetch_one(p).await)
}

/// Counts an attempt of (email, client) before its password is checked, in one
/// statement, so concurrent guesses each see the others. Returns no row while
/// the pair must wait: after the 3rd failure 2 s, then 4, 8 … at most 300 s.
const RESERVE_ATTEMPT: &str = "INSERT INTO sign_in_failure (email, client, failures, blocked_until) VALUES ($1, $2, 1, $3) \
     ON CONFLICT (email, client) DO UPDATE SET failures = sign_in_failure.failures + 1, \
     blocked_until = $3 + CASE sign_in_failure.failures + 1 WHEN 1 THEN 0 WHEN 2 THEN 0 WHEN 3 THEN 2000 \
     WHEN 4 THEN 4000 WHEN 5 THEN 8000 WHEN 6 THEN 16000 WHEN 7 THEN 32000 WHEN 8 THEN 64000 \
     WHEN 9 THEN 128000 WHEN 10 THEN 256000 ELSE 300000 END \
     WHERE sign_in_failure.blocked_until <= $3 RETURNING failures";

/// Signs in: returns the user and a new session token (the cookie value).
/// Bounded by `limits` (one attempt per client at a time, a few checks at once)
/// and throttled per email and client, so a guesser never locks the owner out.
#[tracing::instrument(skip(db, limits, password))]
pub async fn login(
    db: &Db,
    limits: &SignInLimits,
    email: &str,
    password: &str,
    client: IpAddr,
) -> Result<(User, String), AuthError> {
    let email = parse_email(email).map_err(|_| AuthError::BadCredentials)?;
    let _slot = limits.admit(client).map_err(|Busy(s)| AuthError::Busy(s))?;
    let permit = limits.check_permit().await.map_err(|Busy(s)| AuthError::Busy(s))?;
    let client = client.to_string();
    let now = now_ms();
    let counted: Option<i64> = on_db!(db, p => sqlx::query_scalar(RESERVE_ATTEMPT)
        .bind(&email).bind(&client).bind(now).fetch_optional(p).await)?;
    if counted.is_none() {
        let until: i64 = on_db!(db, p => sqlx::query_scalar(
            "SELECT blocked_until FROM sign_in_failure WHERE email = $1 AND client = $2")
            .bind(&email).bind(&client).fetch_one(p).await)?;
        metrics::counter!(crate::server::metrics::SIGN_IN_THROTTLED).increment(1);
        return Err(AuthError::Throttled(((until - now + 999) / 1000).max(1)));
    }
    let row: Option<(String, String, String, bool)> = on_db!(db, p => sqlx::query_as(
        "SELECT id, email, password_hash, is_admin FROM app_user WHERE email = $1").bind(&email).fetch_optional(p).await)?;
    // Unknown emails still pay for a hash check, so timing does not reveal accounts.
    let stored = row
        .as_ref()
        .map(|r| r.2.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let pw = password.to_string();
    let verified = limits.run_check(permit, move || password_matches(&pw, &stored)).await;
    // The failure was counted above; only a success clears it.
    let Some((id, email, _, is_admin)) = row.filter(|_| verified == Some(true)) else {
        metrics::counter!(crate::server::metrics::SIGN_IN_FAILURES).increment(1);
        return Err(AuthError::BadCredentials);
    };
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let token = hex(&raw);
    let expires = now + SESSION_TTL.as_millis() as i64;
    on_db!(db, p => async {
        let mut tx = p.begin().await?;
        sqlx::query("DELETE FROM sign_in_failure WHERE email = $1 AND client = $2")
            .bind(&email).bind(&client).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO session (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash(&token)).bind(&id).bind(now).bind(expires).execute(&mut *tx).await?;
        tx.commit().await
    }.await)?;
    Ok((User { id, email, is_admin }, token))
}

/// The signed-in user behind a session token, if the session is live.
pub async fn user_for_token(db: &Db, token: &str) -> Result<Option<User>, sqlx::Error> {
    on_db!(db, p => sqlx::query_as(
        "SELECT u.id, u.email, u.is_admin FROM session s JOIN app_user u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2")
        .bind(token_hash(token)).bind(now_ms()).fetch_optional(p).await)
}

pub async fn logout(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    on_db!(db, p => sqlx::query("DELETE FROM session WHERE token_hash = $1").bind(token_hash(token)).execute(p).await.map(|_| ()))
}

/// A valid argon2id hash of a random string, checked against when the email is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$VXxnFpXhkDHlCSWGN0mhmSUYdc1hgPl5LXEytgXUhdM";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pass").is_ok());
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
