//! Who is calling: the one place that turns a request's credentials into a
//! [`Caller`]. Server functions, page middleware and REST handlers all ask
//! here, so a new kind of credential is added once.
//!
//! A request with `Authorization: Bearer …` is judged by its token alone (its
//! cookie, if any, is ignored); a bad or revoked token makes it anonymous.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, header, request::Parts},
};

use super::{session, state::AppState};
use crate::{
    error::AppError,
    server::{
        db::Db,
        services::{
            auth::{self, User},
            tokens::{self, ApiToken, Scope},
        },
    },
};

/// The identity behind a request.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    User(User),
    /// A script or back-end with an API token (REST routes only).
    Token(ApiToken),
}

/// The bearer secret of a request, if it sends one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

impl Caller {
    /// Reads the bearer token, else the session cookie, and looks it up.
    pub async fn of(db: &Db, parts: &Parts) -> Result<Self, sqlx::Error> {
        Self::of_headers(db, &parts.headers).await
    }

    /// As [`Caller::of`], from the headers alone (for handlers that read them).
    pub async fn of_headers(db: &Db, headers: &HeaderMap) -> Result<Self, sqlx::Error> {
        if headers.contains_key(header::AUTHORIZATION) {
            let Some(secret) = bearer(headers) else {
                return Ok(Self::Anonymous);
            };
            return Ok(tokens::authenticate(db, secret)
                .await?
                .map_or(Self::Anonymous, Self::Token));
        }
        let Some(token) = session::token(headers) else {
            return Ok(Self::Anonymous);
        };
        Ok(auth::user_for_token(db, token)
            .await?
            .map_or(Self::Anonymous, Self::User))
    }

    /// The signed-in admin (the browser's door), or 401 for anonymous callers
    /// and 403 for other users and for tokens.
    pub fn admin(self) -> Result<User, AppError> {
        match self {
            Self::User(u) if u.is_admin => Ok(u),
            Self::User(_) | Self::Token(_) => Err(AppError::Forbidden),
            Self::Anonymous => Err(AppError::Unauthorized),
        }
    }

    /// May read through the REST door: the admin, or any live token.
    pub fn reader(&self) -> Result<(), AppError> {
        match self {
            Self::User(u) if u.is_admin => Ok(()),
            Self::Token(_) => Ok(()),
            Self::User(_) => Err(AppError::Forbidden),
            Self::Anonymous => Err(AppError::Unauthorized),
        }
    }

    /// May change things through the REST door: the admin, or a `write` token.
    pub fn writer(&self) -> Result<(), AppError> {
        match self {
            Self::Token(t) if t.scope == Scope::Write => Ok(()),
            Self::Token(_) => Err(AppError::Forbidden),
            other => other.reader(),
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Self::User(u) if u.is_admin)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(Self::of(&state.db, parts).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn bearer_secrets_are_read_from_the_authorization_header() {
        assert_eq!(bearer(&with_auth("Bearer vit_abc")), Some("vit_abc"));
        assert_eq!(bearer(&with_auth("bearer  vit_abc ")), Some("vit_abc"));
        assert_eq!(bearer(&with_auth("Basic dXNlcjpwdw==")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn read_tokens_read_but_do_not_write() {
        let token = |scope| {
            Caller::Token(ApiToken {
                id: uuid::Uuid::nil(),
                name: "t".into(),
                scope,
                created_at: 0,
                last_used_at: None,
                revoked_at: None,
            })
        };
        assert!(token(Scope::Read).reader().is_ok());
        assert_eq!(token(Scope::Read).writer(), Err(AppError::Forbidden));
        assert!(token(Scope::Write).writer().is_ok());
        assert_eq!(token(Scope::Write).admin().unwrap_err(), AppError::Forbidden);
        assert_eq!(Caller::Anonymous.reader(), Err(AppError::Unauthorized));
    }
}
