//! Server functions: the browser's door. Each is thin: find out who is
//! calling, call one service, return its DTO; service errors become
//! `AppError`s through `From` (see `server::web::errors`). They are public
//! URLs with stable names (`/api/{name}`, JSON in and out) so scripts and
//! tests can call them too. One file per area.

mod auth;
mod images;
mod products;
mod tokens;
mod uploads;

pub use auth::*;
pub use images::*;
pub use products::*;
pub use tokens::*;
pub use uploads::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        error::{AppError, ssr::with_status},
        server::web::{caller::Caller, state::AppState},
    };

    pub fn state() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| with_status(AppError::Internal))
    }

    /// The request being answered.
    pub fn parts() -> Result<http::request::Parts, AppError> {
        leptos::prelude::use_context::<http::request::Parts>().ok_or_else(|| with_status(AppError::Internal))
    }

    /// Who is calling.
    pub async fn caller() -> Result<(AppState, Caller), AppError> {
        let st = state()?;
        let caller = Caller::of(&st.db, &parts()?).await?;
        Ok((st, caller))
    }

    /// The app state, for a signed-in admin only: 401 for anonymous callers, 403 for others.
    pub async fn admin() -> Result<AppState, AppError> {
        let (st, caller) = caller().await?;
        caller.admin().map_err(with_status)?;
        Ok(st)
    }
}
