//! Vitrine: product image galleries. One crate: the server (feature `ssr`)
//! and the browser bundle (feature `hydrate`) share the app, the wire types
//! and the validation rules.

pub mod api;
pub mod app;
pub mod error;
pub mod model;
pub mod ui;
pub mod validate;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
