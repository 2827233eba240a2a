//! Signing in and out. The session travels in an HttpOnly cookie, never in a
//! response body.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::server::web::{session, state::AppState};

    /// The caller's address (the TCP peer); unspecified when the server runs without it.
    pub fn client_addr(parts: &http::request::Parts) -> std::net::IpAddr {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
    }

    /// Sets (or, with `None`, clears) the session cookie on the response.
    pub fn set_session_cookie(st: &AppState, token: Option<&str>) {
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            opts.append_header(http::header::SET_COOKIE, session::set_cookie(token, st.secure_cookies));
        }
    }
}

#[server(prefix = "/api", endpoint = "login", input = Json)]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::services::auth;
    let st = super::ssr::state()?;
    let client = ssr::client_addr(&super::ssr::parts()?);
    let (user, token) = auth::login(&st.db, &st.sign_in_limits, &email, &password, client).await?;
    if !user.is_admin {
        return Err(crate::error::ssr::with_status(AppError::Forbidden));
    }
    ssr::set_session_cookie(&st, Some(&token));
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{services::auth, web::session};
    let st = super::ssr::state()?;
    let parts = super::ssr::parts()?;
    if let Some(token) = session::token(&parts.headers) {
        auth::logout(&st.db, token).await?;
    }
    ssr::set_session_cookie(&st, None);
    Ok(())
}
