//! The session cookie: its name, how a request carries it and how a
//! response sets or clears it. The session itself lives in the database
//! (`services::auth`); this is only its transport.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::server::services::auth::SESSION_TTL;

pub const SESSION_COOKIE: &str = "vitrine_session";

/// The session token a request carries, if any.
pub fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
}

/// `Set-Cookie` for a session, or its removal when `token` is `None`.
pub fn set_cookie(token: Option<&str>, secure: bool) -> HeaderValue {
    let (value, max_age) = match token {
        Some(t) => (t, SESSION_TTL.as_secs()),
        None => ("", 0),
    };
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}");
    // Tokens are hex, so the header is always valid.
    HeaderValue::from_str(&cookie).expect("a session cookie is a valid header")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; vitrine_session=abc; b=2"),
        );
        assert_eq!(token(&h), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("vitrine_sessionx=1"));
        assert_eq!(token(&h), None);
    }

    #[test]
    fn cookies_are_http_only_and_cleared_with_max_age_zero() {
        let set = set_cookie(Some("ab12"), true);
        let set = set.to_str().unwrap();
        assert!(set.starts_with("vitrine_session=ab12;") && set.contains("HttpOnly") && set.ends_with("; Secure"));
        assert!(set_cookie(None, false).to_str().unwrap().contains("Max-Age=0"));
    }
}
