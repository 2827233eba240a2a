//! Response headers every answer of the app gets: caching that fits what the
//! answer is, and compression negotiated with the client.

use axum::{
    extract::Request,
    http::{HeaderValue, header::CACHE_CONTROL, header::CONTENT_TYPE},
    middleware::Next,
    response::Response,
};
use tower_http::{CompressionLevel, compression::CompressionLayer};

/// Personal answers (admin pages, server functions) are never stored anywhere.
pub const NO_STORE: &str = "no-store";

/// Brotli and gzip at level 4: most of the saving at a small CPU cost per
/// response (brotli's top levels cost tens of milliseconds per page).
/// Images are left alone (the default predicate skips `image/*`).
pub fn compression() -> CompressionLayer {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(4))
}

pub fn is_admin_path(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// Which `Cache-Control` an answer gets when its handler chose none.
fn caching_for(path: &str, content_type: Option<&str>) -> Option<&'static str> {
    let html = content_type.is_some_and(|t| t.starts_with("text/html"));
    if path.starts_with("/api/") || is_admin_path(path) {
        Some(NO_STORE)
    } else if html {
        // Pages name the bundle by its hash: a page must be fresh to load the right one.
        Some(super::assets::REVALIDATE)
    } else {
        None
    }
}

/// Sets `Cache-Control` on answers whose handler left it out.
pub async fn default_caching(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    if !res.headers().contains_key(CACHE_CONTROL) {
        let content_type = res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if let Some(policy) = caching_for(&path, content_type) {
            res.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_revalidate_admin_and_api_are_never_stored() {
        let html = Some("text/html; charset=utf-8");
        assert_eq!(caching_for("/p/chair", html), Some("no-cache"));
        assert_eq!(caching_for("/", html), Some("no-cache"));
        assert_eq!(caching_for("/admin", html), Some("no-store"));
        assert_eq!(caching_for("/admin/products/x", html), Some("no-store"));
        assert_eq!(
            caching_for("/api/list_images", Some("application/json")),
            Some("no-store")
        );
        assert_eq!(caching_for("/favicon.svg", Some("image/svg+xml")), None);
        assert_eq!(
            caching_for("/admin", None),
            Some("no-store"),
            "the redirect to /login too"
        );
        assert_eq!(caching_for("/administrator", Some("text/plain")), None);
    }
}
