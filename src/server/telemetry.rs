//! Logging set-up shared by the binary and the tests.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs a subscriber once; later calls (other tests) are no-ops.
/// `RUST_LOG` picks the level; the default keeps noisy dependencies quiet.
/// Logs go to stderr: stdout is for what a command answers (a token's secret,
/// a reconcile report), so `TOKEN=$(vitrine token create …)` captures only that.
/// `VITRINE_LOG_FORMAT=json` writes one JSON object per line (for log
/// collectors), with the request's span (its `request_id`) on each.
/// `VITRINE_LOG_SPANS=close` adds a line when each span ends, with its busy and
/// idle time (where a slow request spent it).
/// Read from the environment directly: logging starts before settings load.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let spans = match std::env::var("VITRINE_LOG_SPANS").ok().as_deref().map(str::trim) {
        Some("close") => fmt::format::FmtSpan::CLOSE,
        _ => fmt::format::FmtSpan::NONE,
    };
    let builder = fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = if json_logs(std::env::var("VITRINE_LOG_FORMAT").ok().as_deref()) {
        builder.json().with_current_span(true).with_span_list(false).try_init()
    } else {
        builder.try_init()
    };
}

fn json_logs(format: Option<&str>) -> bool {
    format.is_some_and(|f| f.trim().eq_ignore_ascii_case("json"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_is_chosen_by_name() {
        assert!(super::json_logs(Some("json")));
        assert!(super::json_logs(Some(" JSON ")));
        assert!(!super::json_logs(Some("text")));
        assert!(!super::json_logs(None));
    }
}
