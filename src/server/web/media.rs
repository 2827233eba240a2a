//! `/media/{image}/{file}`: the variants of published products, served by the
//! app from storage with stable URLs, so visitors' pages need no presigned
//! URLs and browsers keep each file for good (every processing run writes new
//! keys). With `S3_PUBLIC_BASE_URL` pages point at the CDN instead. The signed-in
//! admin gets every product's variants here too (its own page lists these short
//! paths, not a presigned URL per variant per listing), cached privately.

use axum::{
    extract::{Path, State},
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{CACHE_CONTROL, CONTENT_TYPE},
    },
    response::{IntoResponse, Response},
};

use super::{caller::Caller, state::AppState};
use crate::server::{repo::variants, storage::ObjectKey};

/// Variant keys never change content: browsers and proxies may keep them a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// An unpublished product's variant, for the admin's browser only.
const IMMUTABLE_PRIVATE: &str = "private, max-age=31536000, immutable";

pub async fn variant(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(image_id) = ObjectKey::media_image(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(content_type) = content_type(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (key, cache) = match published_or_admins(&state, image_id, &file, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    match state.storage.get(&key).await {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (CACHE_CONTROL, HeaderValue::from_static(cache)),
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

/// The variant's key and how long who may keep it: anyone, for a published
/// product's ready image; else only the signed-in admin (looked up only then,
/// so visitors' requests cost no session lookup).
async fn published_or_admins(
    state: &AppState,
    image_id: uuid::Uuid,
    file: &str,
    headers: &HeaderMap,
) -> Result<Option<(ObjectKey, &'static str)>, sqlx::Error> {
    if let Some(key) = variants::published_key(&state.db, image_id, file).await? {
        return Ok(Some((key, IMMUTABLE)));
    }
    if !Caller::of_headers(&state.db, headers).await?.is_admin() {
        return Ok(None);
    }
    Ok(variants::key_of(&state.db, image_id, file)
        .await?
        .map(|key| (key, IMMUTABLE_PRIVATE)))
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
