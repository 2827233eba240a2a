//! Security headers on every answer of the app, and each page's CSP nonce.
//! Pages may run only the app's own bundle and the one inline hydration
//! script that carries this request's nonce; nothing may frame them.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use base64::Engine as _;

/// The nonce of one page, put in the request's extensions for the renderer.
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// The parts of the page policy that depend on settings: where images come
/// from and where the browser sends uploads (an external S3 or a CDN).
#[derive(Clone, Debug, Default)]
pub struct PagePolicy {
    /// Extra origins for `img-src` (variants) and `connect-src` (uploads), each after a space.
    storage_origins: String,
}

impl PagePolicy {
    /// `urls` are the S3 endpoint and public base the browser talks to; empty ones are skipped.
    pub fn new(urls: &[&str]) -> Self {
        let mut origins: Vec<String> = urls.iter().filter_map(|u| origin_of(u)).collect();
        origins.dedup();
        Self {
            storage_origins: origins.iter().map(|o| format!(" {o}")).collect(),
        }
    }

    fn header_for(&self, nonce: &str) -> String {
        let s = &self.storage_origins;
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{s}; connect-src 'self'{s}; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
    }
}

impl PagePolicy {
    /// A script's own policy, which binds it when it runs as a worker: the upload
    /// worker may only load the app's scripts (its hashing and parts halves) and
    /// send to the app and its storage.
    fn header_for_script(&self) -> String {
        format!(
            "default-src 'none'; script-src 'self'; connect-src 'self'{}; frame-ancestors 'none'",
            self.storage_origins
        )
    }
}

/// `scheme://host[:port]` of a URL, or nothing for an empty or odd one.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && matches!(scheme, "http" | "https")).then(|| format!("{scheme}://{host}"))
}

/// Hands the renderer this request's nonce, so the hydration script carries it.
/// Called by the page shell.
pub fn provide_page_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(n)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n));
    }
}

/// Answers that are not pages (JSON, files) may not run or embed anything.
const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

fn new_nonce() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// Gives each request a nonce and each answer the security headers.
pub async fn security_headers(State(policy): State<PagePolicy>, mut req: Request, next: Next) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.as_str().into()));
    let mut res = next.run(req).await;
    let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let csp = match content_type {
        Some(t) if t.starts_with("text/html") => policy.header_for(&nonce),
        Some(t) if t.starts_with("text/javascript") => policy.header_for_script(),
        _ => NON_PAGE_POLICY.to_string(),
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_origins_join_the_page_policy() {
        let p = PagePolicy::new(&[
            "https://s3.example.com/bucket",
            "",
            "https://cdn.example.com",
            "nonsense",
        ]);
        let csp = p.header_for("abc");
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(csp.contains("img-src 'self' data: blob: https://s3.example.com https://cdn.example.com;"));
        assert!(csp.contains("connect-src 'self' https://s3.example.com https://cdn.example.com;"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("'unsafe-eval'") && !csp.contains("script-src 'unsafe-inline'"));
    }

    #[test]
    fn scripts_may_only_talk_to_the_app_and_storage() {
        let csp = PagePolicy::new(&["https://s3.example.com"]).header_for_script();
        assert_eq!(
            csp,
            "default-src 'none'; script-src 'self'; connect-src 'self' https://s3.example.com; frame-ancestors 'none'"
        );
    }

    #[test]
    fn embedded_storage_is_same_origin() {
        let csp = PagePolicy::new(&[]).header_for("n");
        assert!(csp.contains("img-src 'self' data: blob:; connect-src 'self';"));
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(new_nonce(), new_nonce());
        assert_eq!(new_nonce().len(), 22);
    }
}
