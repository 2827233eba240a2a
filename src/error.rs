//! The one error type the UI sees. Services have their own `thiserror` enums;
//! they map into `AppError`, whose message is always safe to show. Internal
//! details are logged on the server and replaced by a generic sentence.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use leptos::server_fn;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("sign in first")]
    Unauthorized,
    #[error("you may not do that")]
    Forbidden,
    #[error("{0}")]
    RateLimited(String),
    #[error("a service is unavailable; try again in a moment")]
    Unavailable,
    #[error("something went wrong on our side")]
    Internal,
    /// Transport-level failures (network, encoding) reported by the server-fn layer.
    #[error("request failed: {0}")]
    Request(String),
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::RateLimited(_) => 429,
            Self::Unavailable => 503,
            Self::Internal | Self::Request(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => Self::Invalid(msg),
            other => Self::Request(other.to_string()),
        };
        // On the server this runs while the request is decoded: bad arguments are a 400.
        #[cfg(feature = "ssr")]
        let err = ssr::with_status(err);
        err
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::AppError;

    /// Sets the HTTP status of the current server-function response to match the error.
    pub fn with_status(err: AppError) -> AppError {
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = http::StatusCode::from_u16(err.status_code())
        {
            opts.set_status(code);
        }
        err
    }

    /// Puts the response back to 200 OK: a batch answer carries each item's
    /// error inside it, and converting those set the status as they went.
    pub fn items_answered() {
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            opts.set_status(http::StatusCode::OK);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_follow_http_meaning() {
        assert_eq!(AppError::Invalid("x".into()).status_code(), 400);
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::Unavailable.status_code(), 503);
    }

    #[test]
    fn internal_errors_show_no_details() {
        assert_eq!(AppError::Internal.to_string(), "something went wrong on our side");
    }
}
