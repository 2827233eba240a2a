//! Who is calling: the one place that turns a request's credentials into a
//! [`Caller`]. Server functions, page middleware and (later) REST handlers all
//! ask here, so a new kind of credential is added once.

use axum::{extract::FromRequestParts, http::request::Parts};

use super::{session, state::AppState};
use crate::{
    error::AppError,
    server::{
        db::Db,
        services::auth::{self, User},
    },
};

/// The identity behind a request.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    User(User),
}

impl Caller {
    /// Reads the session cookie and looks the session up.
    pub async fn of(db: &Db, parts: &Parts) -> Result<Self, sqlx::Error> {
        let Some(token) = session::token(&parts.headers) else {
            return Ok(Self::Anonymous);
        };
        Ok(auth::user_for_token(db, token)
            .await?
            .map_or(Self::Anonymous, Self::User))
    }

    /// The admin, or 401 for anonymous callers and 403 for other users.
    pub fn admin(self) -> Result<User, AppError> {
        match self {
            Self::User(u) if u.is_admin => Ok(u),
            Self::User(_) => Err(AppError::Forbidden),
            Self::Anonymous => Err(AppError::Unauthorized),
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
