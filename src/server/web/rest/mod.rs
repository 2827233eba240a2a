//! The REST door (`/api/v1`): the same services as the browser's server
//! functions, for scripts and shop back-ends, with API tokens
//! (`Authorization: Bearer vit_…`) or the admin's session. JSON in and out;
//! every failure is an RFC 9457 `application/problem+json` whose `type` names
//! the kind of failure and never changes.

mod batch;
mod images;
mod openapi;
mod products;
mod uploads;

use axum::{
    Json, Router,
    extract::{FromRequest, FromRequestParts, Query, Request, rejection::JsonRejection},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use super::state::AppState;
use crate::{
    error::AppError,
    server::services::{gallery::GalleryError, products::ProductError, tokens::TokenError, uploads::UploadError},
};

/// The routes, mounted under [`super::same_origin::REST_PREFIX`].
pub fn routes() -> Router<AppState> {
    let v1 = Router::new()
        .route("/products", get(products::list).post(products::create))
        .route(
            "/products/{product}",
            get(products::show).patch(products::update).delete(products::remove),
        )
        .route("/products/{product}/publish", post(products::publish))
        .route("/products/{product}/unpublish", post(products::unpublish))
        // The batch upload reads its body part by part and caps each file itself.
        .route(
            "/products/{product}/images",
            get(uploads::images)
                .post(batch::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/products/{product}/images/delete", post(images::remove_many))
        .route(
            "/products/{product}/images/{image}",
            axum::routing::patch(images::update).delete(images::remove),
        )
        .route("/products/{product}/images/{image}/place", post(images::place))
        .route("/products/{product}/images/{image}/cover", post(images::cover))
        .route("/products/{product}/reprocess", post(uploads::reprocess))
        .route("/products/{product}/uploads", post(uploads::begin))
        .route("/uploads/{image}/complete", post(uploads::complete))
        .route("/uploads/{image}/renew", post(uploads::renew))
        .route("/uploads/{image}", delete(uploads::cancel))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { Problem::from(AppError::NotFound) });
    Router::new().nest(super::same_origin::REST_PREFIX.trim_end_matches('/'), v1)
}

pub type ApiResult<T> = Result<T, Problem>;

/// An RFC 9457 problem: the HTTP status, a stable kind and a sentence safe to show.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    kind: &'static str,
    detail: String,
}

/// An RFC 9457 problem document, as every failure of the REST door answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemBody {
    /// Names the kind of failure (`urn:vitrine:problem:not-found`, …); never changes.
    #[serde(rename = "type")]
    kind: String,
    /// The HTTP status's reason phrase.
    title: String,
    status: u16,
    /// What went wrong, in a sentence safe to show.
    detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            detail: detail.into(),
        }
    }

    /// A refusal of the cross-site write guard, in the REST door's shape.
    pub fn forbidden(detail: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
}

/// The one route whose body is not capped at [`super::MAX_REQUEST_BYTES`]:
/// the batch upload, which caps each file itself.
pub fn is_batch_upload(method: &axum::http::Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix(super::same_origin::REST_PREFIX) else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    method == axum::http::Method::POST && matches!(segments.as_slice(), ["products", p, "images"] if !p.is_empty())
}

/// The `type` of every problem of this kind.
pub fn problem_type(kind: &str) -> String {
    format!("urn:vitrine:problem:{kind}")
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        let kind = match &e {
            AppError::Invalid(_) => "invalid",
            AppError::NotFound => "not-found",
            AppError::Conflict(_) => "conflict",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::RateLimited(_) => "rate-limited",
            AppError::Unavailable => "unavailable",
            AppError::Internal | AppError::Request(_) => "internal",
        };
        let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self {
            status,
            kind,
            detail: match e {
                AppError::Unauthorized => "send `Authorization: Bearer <token>` with a live API token".into(),
                other => other.to_string(),
            },
        }
    }
}

/// Service errors become problems through `AppError`, which logs what is internal.
macro_rules! via_app_error {
    ($($t:ty),*) => {$(
        impl From<$t> for Problem {
            fn from(e: $t) -> Self {
                AppError::from(e).into()
            }
        }
    )*};
}
via_app_error!(ProductError, UploadError, GalleryError, TokenError, sqlx::Error);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemBody {
            kind: problem_type(self.kind),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: self.status.as_u16(),
            detail: self.detail,
        };
        let mut res = (self.status, Json(body)).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// A JSON body whose refusal is a problem too (415 without a JSON type, 400
/// for broken JSON, 422 for the wrong shape).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(rejected(e)),
        }
    }
}

/// Query parameters whose refusal is a 400 problem.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Self(v)),
            Err(e) => Err(Problem {
                status: StatusCode::BAD_REQUEST,
                kind: "invalid",
                detail: e.body_text(),
            }),
        }
    }
}

fn rejected(e: JsonRejection) -> Problem {
    let status = e.status();
    let kind = match status {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::PAYLOAD_TOO_LARGE => "too-large",
        _ => "invalid",
    };
    Problem {
        status,
        kind,
        detail: e.body_text(),
    }
}

/// An id in a path, or 404 (a malformed id names nothing).
fn id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_batch_upload_is_uncapped() {
        use axum::http::Method;
        assert!(is_batch_upload(&Method::POST, "/api/v1/products/chair/images"));
        assert!(!is_batch_upload(&Method::GET, "/api/v1/products/chair/images"));
        assert!(!is_batch_upload(&Method::POST, "/api/v1/products/chair/images/delete"));
        assert!(!is_batch_upload(&Method::POST, "/api/v1/products//images"));
        assert!(!is_batch_upload(&Method::POST, "/api/create_product"));
    }

    #[test]
    fn problems_keep_their_status_and_stable_kind() {
        let p = Problem::from(AppError::Forbidden);
        assert_eq!((p.status, p.kind), (StatusCode::FORBIDDEN, "forbidden"));
        let p = Problem::from(AppError::Invalid("bad slug".into()));
        assert_eq!(
            (p.status, p.kind, p.detail.as_str()),
            (StatusCode::BAD_REQUEST, "invalid", "bad slug")
        );
        assert_eq!(problem_type("not-found"), "urn:vitrine:problem:not-found");
    }

    #[test]
    fn unauthorized_problems_ask_for_a_bearer_token() {
        let res = Problem::from(AppError::Unauthorized).into_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/problem+json");
    }
}
