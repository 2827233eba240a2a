//! Cross-site write protection: every state-changing request to the app's
//! API must be JSON sent by a page of this origin. Forms of other sites can
//! send neither (`text/plain`, `multipart/form-data` and url-encoded bodies are
//! refused, and so is any other or missing `Origin`), so the cookie's
//! SameSite=Lax is no longer the only guard (sibling ports and subdomains are
//! "same-site"). Checked once here, before any handler runs.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Where the REST door's routes live (`server::web::rest`).
pub const REST_PREFIX: &str = "/api/v1/";

/// The origin pages are served from (`scheme://host[:port]`, no trailing slash).
#[derive(Clone, Debug)]
pub struct PublicOrigin(pub String);

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Why a request is refused, or `None` when it may go on.
fn refusal(method: &Method, path: &str, headers: &HeaderMap, origin: &str) -> Option<&'static str> {
    if !path.starts_with("/api/") || !changes_state(method) {
        return None;
    }
    // The REST door with a token: no browser attaches an Authorization header
    // to a cross-site request without a CORS preflight, which this app never
    // grants, so such a request carries no ambient credential to abuse.
    if path.starts_with(REST_PREFIX) && headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    // Nor does a REST call without any cookie: it has no credential at all, and
    // the handler answers it with a 401 problem that says what to send.
    if path.starts_with(REST_PREFIX) && !headers.contains_key(header::COOKIE) {
        return None;
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Some("state-changing requests must be application/json");
    }
    let same_origin = match headers.get(header::ORIGIN) {
        Some(o) => o.as_bytes() == origin.as_bytes(),
        // Browsers send Origin on every cross-origin POST; a missing one is accepted
        // only with the fetch metadata that says the page is our own.
        None => headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"same-origin"),
    };
    (!same_origin).then_some("cross-origin request refused")
}

pub async fn same_origin_writes(State(origin): State<PublicOrigin>, req: Request, next: Next) -> Response {
    if let Some(reason) = refusal(req.method(), req.uri().path(), req.headers(), &origin.0) {
        tracing::debug!(path = req.uri().path(), reason, "refused a write");
        if req.uri().path().starts_with(REST_PREFIX) {
            return super::rest::Problem::forbidden(reason).into_response();
        }
        return (StatusCode::FORBIDDEN, reason).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const ORIGIN: &str = "http://127.0.0.1:3000";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn check(method: Method, path: &str, pairs: &[(&'static str, &'static str)]) -> Option<&'static str> {
        refusal(&method, path, &headers(pairs), ORIGIN)
    }

    #[test]
    fn same_origin_json_passes() {
        let ok = [("content-type", "application/json"), ("origin", ORIGIN)];
        assert_eq!(check(Method::POST, "/api/create_product", &ok), None);
        let charset = [("content-type", "application/json; charset=utf-8"), ("origin", ORIGIN)];
        assert_eq!(check(Method::POST, "/api/x", &charset), None);
        let fetch_meta = [("content-type", "application/json"), ("sec-fetch-site", "same-origin")];
        assert_eq!(check(Method::POST, "/api/x", &fetch_meta), None);
    }

    #[test]
    fn forms_and_other_origins_are_refused() {
        let text = [("content-type", "text/plain"), ("origin", ORIGIN)];
        assert!(check(Method::POST, "/api/create_product", &text).is_some());
        assert!(check(Method::POST, "/api/create_product", &[("origin", ORIGIN)]).is_some());
        let form = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", ORIGIN),
        ];
        assert!(check(Method::POST, "/api/x", &form).is_some());
        let other = [
            ("content-type", "application/json"),
            ("origin", "http://127.0.0.1:3001"),
        ];
        assert!(check(Method::POST, "/api/x", &other).is_some());
        let none = [("content-type", "application/json")];
        assert!(check(Method::POST, "/api/x", &none).is_some());
        let cross = [("content-type", "application/json"), ("sec-fetch-site", "same-site")];
        assert!(check(Method::DELETE, "/api/x", &cross).is_some());
    }

    #[test]
    fn rest_calls_with_a_token_need_no_origin() {
        let bearer = [
            ("authorization", "Bearer vit_x"),
            ("content-type", "multipart/form-data"),
        ];
        assert_eq!(check(Method::POST, "/api/v1/products", &bearer), None);
        // Without any credential the handler's 401 is the answer…
        assert_eq!(check(Method::DELETE, "/api/v1/products/x", &[]), None);
        // …but a cookie is ambient: the browser rules apply again.
        let cookie = [("cookie", "vitrine_session=x"), ("content-type", "text/plain")];
        assert!(check(Method::POST, "/api/v1/products", &cookie).is_some());
        // The browser's door still wants same-origin JSON, token or not.
        assert!(check(Method::POST, "/api/create_product", &bearer).is_some());
        // A session cookie alone on the REST door is checked like any browser write.
        assert!(
            check(
                Method::POST,
                "/api/v1/products",
                &[("content-type", "application/json"), ("cookie", "vitrine_session=x")]
            )
            .is_some()
        );
    }

    #[test]
    fn reads_and_pages_are_not_checked() {
        assert_eq!(check(Method::GET, "/api/x", &[]), None);
        assert_eq!(check(Method::POST, "/login", &[]), None);
    }
}
