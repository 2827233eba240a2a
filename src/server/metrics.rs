//! What an operator pages on: Prometheus metrics through the `metrics` facade,
//! rendered by `metrics-exporter-prometheus` at `/metrics`. Every name is here;
//! the recorder is installed once per process (the `metrics` macros need a
//! global one), before the first request or job.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests by `route` (the matched route, never the raw path), `method`, `status`.
pub const HTTP_REQUESTS: &str = "vitrine_http_requests_total";
pub const HTTP_DURATION: &str = "vitrine_http_request_duration_seconds";
/// Files given a ticket (browser, REST and batch upload alike).
pub const UPLOADS_BEGUN: &str = "vitrine_uploads_begun_total";
/// Files refused, by `reason` (a `FailureKind`, or `inspection` at completion).
pub const UPLOADS_REFUSED: &str = "vitrine_uploads_refused_total";
pub const UPLOADS_COMPLETED: &str = "vitrine_uploads_completed_total";
/// Jobs by `kind`: queued, finished (`outcome` done | retried | failed), running now.
pub const JOBS_QUEUED: &str = "vitrine_jobs_queued_total";
pub const JOBS_FINISHED: &str = "vitrine_jobs_finished_total";
pub const JOBS_RUNNING: &str = "vitrine_jobs_running";
pub const JOB_DURATION: &str = "vitrine_job_duration_seconds";
/// Due jobs waiting, and how long the oldest has waited (set at each scrape).
pub const QUEUE_DEPTH: &str = "vitrine_job_queue_depth";
pub const QUEUE_OLDEST: &str = "vitrine_job_queue_oldest_age_seconds";
/// What the janitor removed, by `what`.
pub const JANITOR_REMOVED: &str = "vitrine_janitor_removed_total";
/// Storage calls that failed, by `op`.
pub const STORAGE_ERRORS: &str = "vitrine_storage_errors_total";
/// Wrong passwords, and sign-ins refused by the throttle.
pub const SIGN_IN_FAILURES: &str = "vitrine_sign_in_failures_total";
pub const SIGN_IN_THROTTLED: &str = "vitrine_sign_in_throttled_total";

/// Seconds: from a cached page (≈ 0.1 ms) to a slow processing job.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder (the first call) and returns what renders it.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .expect("buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// The text a scrape gets.
pub fn render() -> String {
    let h = handle();
    h.run_upkeep();
    h.render()
}

/// A request method as a label: the standard ones, else `other` (any token is
/// a valid method, and labels must stay few).
pub fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_in_the_text_format() {
        handle();
        metrics::counter!(JANITOR_REMOVED, "what" => "unit-test").increment(2);
        metrics::histogram!(JOB_DURATION, "kind" => "unit-test").record(0.02);
        let text = render();
        assert!(
            text.contains(r#"vitrine_janitor_removed_total{what="unit-test"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"vitrine_job_duration_seconds_bucket{kind="unit-test",le="0.025"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn odd_methods_share_one_label() {
        let odd = axum::http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&odd), "other");
        assert_eq!(method_label(&axum::http::Method::PATCH), "PATCH");
    }
}
