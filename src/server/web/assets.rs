//! The browser bundle and other static files: served precompressed (brotli,
//! gzip) when the release build left `.br`/`.gz` beside them, with caching
//! that matches their names: content-hashed bundle files are immutable.

use std::path::{Path, PathBuf};

use axum::{
    Router,
    http::{HeaderValue, header::CACHE_CONTROL},
};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

/// Content-hashed files never change under their name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files whose name does not change with their content: check before reuse.
pub const REVALIDATE: &str = "no-cache";

/// The hash file the release build (`tools/bundle.mjs`, or cargo-leptos with `hash-files`) writes next to the server binary.
const HASH_FILE: &str = "hash.txt";

/// Where the hash file of this binary's build would be, if it was built with hashed names.
pub fn hash_file_beside_exe() -> Option<PathBuf> {
    let path = std::env::current_exe().ok()?.parent()?.join(HASH_FILE);
    path.is_file().then_some(path)
}

/// `/{pkg}/…`: the bundle. Hashed builds get immutable caching, others revalidate.
pub fn bundle_routes<S: Clone + Send + Sync + 'static>(site_root: &str, pkg_dir: &str, hashed: bool) -> Router<S> {
    let dir = Path::new(site_root).join(pkg_dir);
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let policy = if hashed { IMMUTABLE } else { REVALIDATE };
    Router::new().nest_service(
        &format!("/{pkg_dir}"),
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                CACHE_CONTROL,
                HeaderValue::from_static(policy),
            ))
            .service(files),
    )
}
