//! Logging set-up shared by the binary and the tests.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs a subscriber once; later calls (other tests) are no-ops.
/// `RUST_LOG` picks the level; the default keeps noisy dependencies quiet.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
