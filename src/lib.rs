//! Vitrine: product image galleries. One crate: the server (feature `ssr`)
//! and the browser bundle (feature `hydrate`) share the app, the wire types
//! and the validation rules.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod error;
pub mod model;
pub mod ui;
pub mod validate;

#[cfg(feature = "ssr")]
pub mod server;

/// The `vitrine` command line.
#[cfg(feature = "ssr")]
pub mod cli;

/// The REST door's client (`vitrine upload`, `reprocess`, `import`): needs a server, not a database.
#[cfg(feature = "ssr")]
pub mod client;

/// The image pipeline lives apart from the server so benchmarks can build it alone.
#[cfg(feature = "imaging")]
pub mod imaging;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
