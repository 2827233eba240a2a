//! What the embedded S3 endpoint accepts, checked before s3s sees a request.
//! s3s verifies signatures; this adds what a signature cannot say:
//! - keys are plain paths (no empty, `.` or `..` segments, even percent-encoded);
//! - every `x-amz-*` header is covered by the signature (an unsigned
//!   `x-amz-copy-source` would turn a ticket's PUT into a server-side copy);
//! - a presigned URL (the browser's kind) may only GET, HEAD or PUT an object,
//!   and may PUT only the original of an image that is still waiting for it, so
//!   a cancelled or completed ticket writes nothing.
//!
//! Refusals are logged at debug level and counted, never one ERROR line per
//! anonymous request.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::Response,
};

/// Says whether a presigned PUT to `key` is still wanted (an image waits for it).
pub type WriteGate = Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// Requests refused here, and answers of 4xx from s3s (bad signatures, expired URLs).
pub static REFUSED: AtomicU64 = AtomicU64::new(0);

fn refuse(status: StatusCode, why: &'static str) -> Response {
    REFUSED.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(why, "embedded S3 refused a request");
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>{why}</Message></Error>"
    );
    Response::builder()
        .status(status)
        .header("content-type", "application/xml")
        .body(Body::from(body))
        .expect("static response")
}

fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The object key of a path-style request (`/{bucket}/{key}`), decoded.
fn key_of(uri: &Uri) -> String {
    let path = percent_decoded(uri.path());
    path.trim_start_matches('/')
        .split_once('/')
        .map(|(_, k)| k.to_string())
        .unwrap_or_default()
}

fn plain_key(key: &str) -> bool {
    key.is_empty()
        || key
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\\'))
}

fn query_param<'a>(uri: &'a Uri, name: &str) -> Option<&'a str> {
    uri.query()?
        .split('&')
        .find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v))
}

/// The headers the request's signature covers (presigned query or Authorization header).
fn signed_headers(uri: &Uri, headers: &HeaderMap) -> Vec<String> {
    let list = query_param(uri, "X-Amz-SignedHeaders")
        .map(percent_decoded)
        .or_else(|| {
            let auth = headers.get("authorization")?.to_str().ok()?;
            let part = auth.split("SignedHeaders=").nth(1)?;
            Some(part.split(',').next()?.to_string())
        });
    list.map(|l| l.split(';').map(|h| h.trim().to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// Sent unsigned by aws-sdk itself (SigV4 leaves it out), and harmless.
const UNSIGNED_ALLOWED: &[&str] = &["x-amz-user-agent"];

/// A refusal: the status and why.
type Refusal = (StatusCode, &'static str);

/// Checks that need no database: `Err` is the refusal.
fn check_shape(method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), Refusal> {
    if !plain_key(&key_of(uri)) {
        return Err((StatusCode::BAD_REQUEST, "the key is not a plain path"));
    }
    let signed = signed_headers(uri, headers);
    let unsigned_amz = headers.keys().any(|h| {
        let h = h.as_str();
        h.starts_with("x-amz-") && !UNSIGNED_ALLOWED.contains(&h) && !signed.iter().any(|s| s == h)
    });
    if unsigned_amz {
        return Err((StatusCode::FORBIDDEN, "x-amz-* headers must be signed"));
    }
    if query_param(uri, "X-Amz-Signature").is_some() {
        let copy = headers.contains_key("x-amz-copy-source");
        let allowed = matches!(*method, Method::GET | Method::HEAD | Method::PUT);
        if copy || !allowed || key_of(uri).is_empty() {
            return Err((
                StatusCode::FORBIDDEN,
                "presigned URLs may only read or write one object",
            ));
        }
    }
    Ok(())
}

/// What happens to a request before s3s sees it.
pub enum Verdict {
    Pass,
    Refuse(Response),
    /// A presigned PUT: allowed only while the gate says its key is still wanted.
    AskGate(String),
}

/// Judges a request from its head alone (nothing here waits).
pub fn judge(req: &Request) -> Verdict {
    if let Err((status, why)) = check_shape(req.method(), req.uri(), req.headers()) {
        return Verdict::Refuse(refuse(status, why));
    }
    if *req.method() == Method::PUT && query_param(req.uri(), "X-Amz-Signature").is_some() {
        return Verdict::AskGate(key_of(req.uri()));
    }
    Verdict::Pass
}

/// The gate's answer for a presigned PUT; `Some` is the refusal.
pub async fn ask(gate: &WriteGate, key: String) -> Option<Response> {
    (!gate(key).await).then(|| refuse(StatusCode::FORBIDDEN, "this upload is no longer open"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(method: Method, uri: &str, headers: &[(&'static str, &'static str)]) -> Result<(), StatusCode> {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        check_shape(&method, &uri.parse().unwrap(), &h).map_err(|(status, _)| status)
    }

    const PRESIGNED: &str = "/b/products/p/i/original.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match&X-Amz-Signature=abc";

    #[test]
    fn dot_segments_and_empty_segments_are_refused() {
        for uri in [
            "/b//../../vitrine.db",
            "/b/a/../b",
            "/b/a/%2e%2e/b",
            "/b/./a",
            "/b/a%2F..%2Fb",
        ] {
            assert_eq!(shape(Method::GET, uri, &[]), Err(StatusCode::BAD_REQUEST), "{uri}");
        }
        assert_eq!(shape(Method::GET, "/b/products/p/i/w320.webp", &[]), Ok(()));
        assert_eq!(
            shape(Method::GET, "/b", &[]),
            Ok(()),
            "bucket-level requests are for s3s to judge"
        );
    }

    #[test]
    fn unsigned_amz_headers_and_copies_are_refused() {
        let copy = [("x-amz-copy-source", "/b/products/other/x/original.jpg")];
        assert_eq!(shape(Method::PUT, PRESIGNED, &copy), Err(StatusCode::FORBIDDEN));
        let signed_ok = [("if-none-match", "*"), ("content-type", "image/jpeg")];
        assert_eq!(shape(Method::PUT, PRESIGNED, &signed_ok), Ok(()));
        let header_auth = [
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=y",
            ),
            ("x-amz-date", "20261123T000000Z"),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
        ];
        assert_eq!(shape(Method::PUT, "/b/k", &header_auth), Ok(()));
        let sneaky = [
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host;x-amz-date, Signature=y",
            ),
            ("x-amz-date", "20261123T000000Z"),
            ("x-amz-copy-source", "/b/k2"),
        ];
        assert_eq!(shape(Method::PUT, "/b/k", &sneaky), Err(StatusCode::FORBIDDEN));
    }

    #[test]
    fn presigned_urls_only_read_or_write_an_object() {
        assert_eq!(shape(Method::DELETE, PRESIGNED, &[]), Err(StatusCode::FORBIDDEN));
        assert_eq!(shape(Method::POST, PRESIGNED, &[]), Err(StatusCode::FORBIDDEN));
        assert_eq!(shape(Method::GET, PRESIGNED, &[]), Ok(()));
    }
}
