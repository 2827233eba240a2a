//! The one application state, handed to axum and provided to server functions.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::{db::Db, imaging::Limits, services::uploads::UploadConfig, storage::Storage};

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub storage: Storage,
    pub uploads: UploadConfig,
    pub imaging: Limits,
    /// Make AVIF variants next to the WebP ones (`processing.avif`).
    #[from_ref(skip)]
    pub avif_variants: bool,
    /// Session cookies get `Secure` when the public URL is https.
    pub secure_cookies: bool,
}
