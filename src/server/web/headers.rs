//! Response headers every answer of the app gets: caching that fits what the
//! answer is, and compression negotiated with the client.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{
        HeaderValue, Method, StatusCode,
        header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, SET_COOKIE, TRANSFER_ENCODING},
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_http::{CompressionLevel, compression::CompressionLayer};

use crate::server::page_cache::{Page, PageCache};

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

/// Visitors' pages (`/`, `/p/{slug}`): the same for everyone, plain HTML
/// without the app's script (see `app::shell`), kept in the page cache.
pub fn is_visitor_page(path: &str) -> bool {
    path == "/" || path.starts_with("/p/")
}

/// A rendered page larger than this is served but not kept.
const MAX_KEPT_PAGE_BYTES: usize = 4 << 20;

/// The encoding the compression layer picks for a request: brotli when
/// accepted, else gzip, else none (kept pages are keyed by it).
fn negotiated(req: &Request) -> &'static str {
    let accepted = req
        .headers()
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let takes = |name: &str| {
        accepted.split(',').any(|part| {
            let mut it = part.split(';').map(str::trim);
            it.next() == Some(name) && !it.any(|p| p.replace(' ', "") == "q=0")
        })
    };
    if takes("br") {
        "br"
    } else if takes("gzip") {
        "gzip"
    } else {
        "identity"
    }
}

/// Serves visitors' pages from the page cache while fresh and keeps what was
/// sent (after compression and every header); any other request that may
/// write (not GET/HEAD/OPTIONS) makes the kept pages stale once it is
/// answered. An answer that sets a cookie is never kept.
pub async fn visitor_pages(State(cache): State<Arc<PageCache>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if method != Method::GET || !is_visitor_page(req.uri().path()) {
        let res = next.run(req).await;
        if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
            cache.invalidate();
        }
        return res;
    }
    let encoding = negotiated(&req);
    let key = format!("{encoding} {}", req.uri());
    if let Some(page) = cache.get(&key) {
        let mut res = Response::new(Body::from(page.body));
        *res.headers_mut() = page.headers;
        return res;
    }
    let epoch = cache.epoch();
    let res = next.run(req).await;
    let sent_encoding = res
        .headers()
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity");
    if res.status() != StatusCode::OK || res.headers().contains_key(SET_COOKIE) || sent_encoding != encoding {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_KEPT_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // The body is whole now: its length is known, however it was streamed.
    let mut headers = parts.headers.clone();
    headers.remove(TRANSFER_ENCODING);
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    cache.put(
        key,
        epoch,
        Page {
            headers,
            body: body.clone(),
        },
    );
    Response::from_parts(parts, Body::from(body))
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
    fn visitors_pages_are_home_and_galleries() {
        for path in ["/", "/p/chair"] {
            assert!(is_visitor_page(path), "{path}");
        }
        for path in [
            "/login",
            "/admin",
            "/admin/products/x",
            "/nowhere",
            "/pricing",
            "/media/x/y.webp",
        ] {
            assert!(!is_visitor_page(path), "{path}");
        }
    }

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
