//! The one application state of the web layer, handed to axum and provided
//! to server functions. Jobs get a `JobContext` made from it, never the state.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::{same_origin::PublicOrigin, security::PagePolicy};
use crate::server::{
    db::Db,
    jobs::{ImagingSettings, JobContext},
    page_cache::PageCache,
    services::{sign_in_limits::SignInLimits, uploads::UploadConfig},
    storage::Storage,
};

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub storage: Storage,
    pub uploads: UploadConfig,
    /// How images are processed (for a worker inside `serve`, and for tests).
    pub imaging: ImagingSettings,
    /// Session cookies get `Secure` when the public URL is https.
    pub secure_cookies: bool,
    /// Bounds on password checks and sign-in attempts per client.
    pub sign_in_limits: std::sync::Arc<SignInLimits>,
    /// Where pages are served from; writes must come from there.
    pub public_origin: PublicOrigin,
    /// The Content-Security-Policy of pages (storage origins from settings).
    pub page_policy: PagePolicy,
    /// Visitors' pages, kept rendered until something changes.
    pub pages: std::sync::Arc<PageCache>,
    /// What a scrape of `/metrics` must send as its bearer token (empty: `/metrics` is off).
    pub metrics_token: crate::server::settings::Secret,
}

impl AppState {
    /// What jobs run with: the same database and storage, nothing of the web.
    pub fn job_context(&self) -> JobContext {
        JobContext {
            db: self.db.clone(),
            storage: self.storage.clone(),
            imaging: self.imaging,
            pages: self.pages.clone(),
        }
    }
}
