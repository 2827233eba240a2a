//! API tokens, managed by the admin: list, create (the secret is answered
//! once), revoke. Scripts then use them on the REST door (`/api/v1`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::ssr::admin;
#[cfg(feature = "ssr")]
use crate::server::services::tokens::{self, Scope};
use crate::{
    error::AppError,
    model::{CreatedToken, TokenDto},
};

#[server(prefix = "/api", endpoint = "list_tokens", input = Json)]
pub async fn list_tokens() -> Result<Vec<TokenDto>, AppError> {
    let st = admin().await?;
    Ok(tokens::list(&st.db).await?.into_iter().map(TokenDto::from).collect())
}

/// `scope` is `read` or `write`.
#[server(prefix = "/api", endpoint = "create_token", input = Json)]
pub async fn create_token(name: String, scope: String) -> Result<CreatedToken, AppError> {
    let st = admin().await?;
    let scope = Scope::parse(&scope)?;
    let (token, secret) = tokens::create(&st.db, &name, scope).await?;
    Ok(CreatedToken {
        token: token.into(),
        secret: secret.expose().to_string(),
    })
}

#[server(prefix = "/api", endpoint = "revoke_token", input = Json)]
pub async fn revoke_token(id: Uuid) -> Result<(), AppError> {
    let st = admin().await?;
    Ok(tokens::revoke(&st.db, id).await?)
}
