//! Logging set-up shared by the binary and the tests.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs a subscriber once; later calls (other tests) are no-ops.
/// `RUST_LOG` picks the level; the default keeps noisy dependencies quiet.
/// Logs go to stderr: stdout is for what a command answers (a token's secret,
/// a reconcile report), so `TOKEN=$(vitrine token create …)` captures only that.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}
