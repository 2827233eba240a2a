//! Watching requests: each gets a request id (the `x-request-id` answer
//! header, and a span so every log line it causes carries it) and is counted
//! and timed by route, method and status; `/metrics` renders the counts for
//! Prometheus to whoever sends the metrics token.

use std::time::Instant;

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use tracing::Instrument;

use super::{caller::bearer, state::AppState};
use crate::server::{db::Db, jobs::queue, metrics, settings::Secret};

/// One span per request, and its count and duration.
pub async fn observe(req: Request, next: Next) -> Response {
    // The route's template (`/p/{slug}`), never the raw path: labels stay few and hold no data.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = metrics::method_label(req.method());
    // Made here, never taken from the client (it would land in every log line).
    let id = uuid::Uuid::new_v4().simple().to_string();
    let span = tracing::info_span!("request", request_id = %id, method, route = %route);
    let started = Instant::now();
    let mut res = next.run(req).instrument(span).await;
    let status = res.status().as_u16().to_string();
    let labels = [("route", route), ("method", method.to_string()), ("status", status)];
    ::metrics::counter!(metrics::HTTP_REQUESTS, &labels).increment(1);
    ::metrics::histogram!(metrics::HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`: the Prometheus text format, for the metrics token only.
pub async fn metrics_page(State(st): State<AppState>, headers: HeaderMap) -> Response {
    scrape(&st.db, &st.metrics_token, &headers).await
}

/// `/metrics` alone, for a standalone `vitrine worker` (on `VITRINE_METRICS_BIND`).
pub fn metrics_router(db: Db, token: Secret) -> Router {
    Router::new().route(
        "/metrics",
        get(move |headers: HeaderMap| {
            let (db, token) = (db.clone(), token.clone());
            async move { scrape(&db, &token, &headers).await }
        }),
    )
}

async fn scrape(db: &Db, token: &Secret, headers: &HeaderMap) -> Response {
    let wanted = token.expose();
    if wanted.is_empty() {
        return (StatusCode::NOT_FOUND, "metrics are off: set VITRINE_METRICS_TOKEN").into_response();
    }
    if !bearer(headers).is_some_and(|t| same(t.as_bytes(), wanted.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send Authorization: Bearer <VITRINE_METRICS_TOKEN>",
        )
            .into_response();
    }
    // The queue is read at scrape time: depth and the oldest due job's wait.
    match queue::backlog(db).await {
        Ok((depth, oldest)) => {
            ::metrics::gauge!(metrics::QUEUE_DEPTH).set(depth as f64);
            let age = oldest.map_or(0, |t| (crate::server::db::now_ms() - t).max(0));
            ::metrics::gauge!(metrics::QUEUE_OLDEST).set(age as f64 / 1000.0);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the job queue for /metrics"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics::render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"a"));
    }
}
