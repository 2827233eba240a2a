//! From service errors to what callers see: each service's `thiserror` enum
//! becomes an [`AppError`] with its HTTP status, so a server function is just
//! `Ok(service(…).await?)`. Storage and database details are logged here and
//! replaced by "a service is unavailable".

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    error::{AppError, ssr::with_status},
    server::{
        services::{
            auth::AuthError, gallery::GalleryError, products::ProductError, tokens::TokenError, uploads::UploadError,
        },
        storage::StorageError,
    },
};

fn unavailable(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "{what} error");
    AppError::Unavailable
}

/// A 429 whose `Retry-After` says when to come back (set on the server function's response).
fn retry_after(secs: u64, msg: String) -> AppError {
    if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        opts.insert_header(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    AppError::RateLimited(msg)
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        with_status(unavailable("database", e))
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        with_status(unavailable("storage", e))
    }
}

impl From<ProductError> for AppError {
    fn from(e: ProductError) -> Self {
        with_status(match e {
            ProductError::Invalid(msg) => AppError::Invalid(msg),
            ProductError::NotFound => AppError::NotFound,
            ProductError::SlugExhausted => AppError::Conflict("choose another name".into()),
            ProductError::SlugTaken => AppError::Conflict("that slug is taken".into()),
            ProductError::Storage(e) => return e.into(),
            ProductError::Db(e) => return e.into(),
        })
    }
}

impl From<UploadError> for AppError {
    fn from(e: UploadError) -> Self {
        with_status(match e {
            UploadError::NotFound => AppError::NotFound,
            UploadError::Conflict(msg) => AppError::Conflict(msg),
            UploadError::TooMany(n) => AppError::Invalid(format!("at most {n} images per completion request")),
            UploadError::Storage(e) => return e.into(),
            UploadError::Db(e) => return e.into(),
        })
    }
}

impl From<GalleryError> for AppError {
    fn from(e: GalleryError) -> Self {
        with_status(match e {
            GalleryError::NotFound => AppError::NotFound,
            GalleryError::Invalid(msg) => AppError::Invalid(msg),
            GalleryError::Storage(e) => return e.into(),
            GalleryError::Db(e) => return e.into(),
        })
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        with_status(match e {
            AuthError::Invalid(msg) => AppError::Invalid(msg),
            AuthError::BadCredentials => AppError::Unauthorized,
            AuthError::Throttled(secs) => retry_after(secs.max(1) as u64, e.to_string()),
            AuthError::Busy(secs) => retry_after(secs, e.to_string()),
            AuthError::Exists => AppError::Conflict(e.to_string()),
            AuthError::Hash => AppError::Internal,
            AuthError::Db(e) => return e.into(),
        })
    }
}

impl From<TokenError> for AppError {
    fn from(e: TokenError) -> Self {
        with_status(match e {
            TokenError::Invalid(msg) => AppError::Invalid(msg),
            TokenError::NotFound => AppError::NotFound,
            TokenError::Db(e) => return e.into(),
        })
    }
}

/// For axum handlers and extractors: the status and the safe sentence.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, self.to_string()).into_response()
    }
}
