//! `/media/{image}/{file}`: the variants of published products, served by the
//! app from storage with stable URLs, so visitors' pages need no presigned
//! URLs and browsers keep each file for good (every processing run writes new
//! keys). With `S3_PUBLIC_BASE_URL` pages point at the CDN instead.

use axum::{
    extract::{Path, State},
    http::{
        HeaderValue, StatusCode,
        header::{CACHE_CONTROL, CONTENT_TYPE},
    },
    response::{IntoResponse, Response},
};

use super::state::AppState;
use crate::server::{repo::variants, storage::ObjectKey};

/// Variant keys never change content: browsers and proxies may keep them a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn variant(State(state): State<AppState>, Path((id, file)): Path<(String, String)>) -> Response {
    let Some(image_id) = ObjectKey::media_image(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(content_type) = content_type(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let key = match variants::published_key(&state.db, image_id, &file).await {
        Ok(Some(key)) => key,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    match state.storage.get(&key).await {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(key = key.as_str(), error = %e, "media read failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The formats processing writes; anything else is not a variant.
fn content_type(file: &str) -> Option<&'static str> {
    match file.rsplit_once('.')?.1 {
        "webp" => Some("image/webp"),
        "avif" => Some("image/avif"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_variant_formats_are_served() {
        assert_eq!(content_type("w800-v1.webp"), Some("image/webp"));
        assert_eq!(content_type("w800-v1.avif"), Some("image/avif"));
        assert_eq!(content_type("original.jpg"), None);
        assert_eq!(content_type("w800"), None);
    }
}
