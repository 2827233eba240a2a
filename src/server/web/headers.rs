//! Response headers every answer of the app gets: caching that fits what the
//! answer is, and compression negotiated with the client.

use axum::{
    extract::Request,
    http::{HeaderValue, header::CACHE_CONTROL},
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

/// Which `Cache-Control` an answer gets when its handler chose none (the
/// bundle's hashed files choose `immutable` themselves).
fn caching_for(path: &str) -> &'static str {
    if path.starts_with("/api/") || is_admin_path(path) {
        NO_STORE
    } else {
        // Pages name the bundle by its hash, and the upload worker keeps its name:
        // both must be checked before reuse.
        super::assets::REVALIDATE
    }
}

/// Sets `Cache-Control` on answers whose handler left it out.
pub async fn default_caching(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    if !res.headers().contains_key(CACHE_CONTROL) {
        let policy = HeaderValue::from_static(caching_for(&path));
        res.headers_mut().insert(CACHE_CONTROL, policy);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_revalidate_admin_and_api_are_never_stored() {
        assert_eq!(caching_for("/p/chair"), "no-cache");
        assert_eq!(caching_for("/"), "no-cache");
        assert_eq!(caching_for("/upload-worker.js"), "no-cache");
        assert_eq!(caching_for("/admin"), "no-store", "the page and its redirect to /login");
        assert_eq!(caching_for("/admin/products/x"), "no-store");
        assert_eq!(caching_for("/api/list_images"), "no-store");
        assert_eq!(caching_for("/administrator"), "no-cache");
    }
}
