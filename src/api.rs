//! Server functions: the browser's API. Each is thin: authorize, parse, call
//! one service, map to a DTO. They are public URLs with stable names
//! (`/api/{name}`, JSON in and out) so scripts and tests can call them too.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    error::AppError,
    model::{BatchResult, FileSpec, GalleryDto, ImageDto, ProductDto, UploadLimits, UploadTicket},
};

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        error::{AppError, ssr::with_status},
        server::{
            services::{
                auth::{self, AuthError},
                gallery::GalleryError,
                products::ProductError,
                uploads::UploadError,
            },
            state::AppState,
        },
    };

    /// Logs what failed (for operators) and tells the caller only that a service is down.
    fn unavailable(what: &str, e: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %e, "{what} error");
        AppError::Unavailable
    }

    pub fn state() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| with_status(AppError::Internal))
    }

    /// The caller's session token, from the request's cookies.
    pub fn session_token() -> Option<String> {
        let parts = leptos::prelude::use_context::<http::request::Parts>()?;
        let header = parts.headers.get(http::header::COOKIE)?.to_str().ok()?;
        auth::token_from_cookies(header).map(str::to_string)
    }

    /// The app state, for a signed-in admin only: 401 for anonymous callers, 403 for others.
    pub async fn admin() -> Result<AppState, AppError> {
        let st = state()?;
        let token = session_token().ok_or_else(|| with_status(AppError::Unauthorized))?;
        match auth::user_for_token(&st.db, &token).await {
            Ok(Some(user)) if user.is_admin => Ok(st),
            Ok(Some(_)) => Err(with_status(AppError::Forbidden)),
            Ok(None) => Err(with_status(AppError::Unauthorized)),
            Err(e) => Err(db_err(e)),
        }
    }

    pub fn auth_err(e: AuthError) -> AppError {
        with_status(match e {
            AuthError::Invalid(msg) => AppError::Invalid(msg),
            AuthError::BadCredentials => AppError::Unauthorized,
            AuthError::Throttled(secs) => retry_after(secs.max(1) as u64, e.to_string()),
            AuthError::Busy(secs) => retry_after(secs, e.to_string()),
            AuthError::Exists => AppError::Conflict(e.to_string()),
            AuthError::Hash => AppError::Internal,
            AuthError::Db(e) => unavailable("database", e),
        })
    }

    /// A 429 whose `Retry-After` says when to come back.
    fn retry_after(secs: u64, msg: String) -> AppError {
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            opts.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        AppError::RateLimited(msg)
    }

    /// The caller's address (the TCP peer); unspecified when the server runs without it.
    pub fn client_addr() -> std::net::IpAddr {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| {
                p.extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip())
            })
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    /// `Set-Cookie` for a session (or its removal when `token` is empty).
    pub fn set_session_cookie(st: &AppState, token: &str) {
        let max_age = if token.is_empty() {
            0
        } else {
            auth::SESSION_TTL.as_secs()
        };
        let secure = if st.secure_cookies { "; Secure" } else { "" };
        let cookie = format!(
            "{}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}",
            auth::SESSION_COOKIE
        );
        if let (Some(opts), Ok(v)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&cookie),
        ) {
            opts.append_header(http::header::SET_COOKIE, v);
        }
    }

    /// Logs what the caller must not see, then sets the response status.
    pub fn product_err(e: ProductError) -> AppError {
        with_status(match e {
            ProductError::Invalid(msg) => AppError::Invalid(msg),
            ProductError::NotFound => AppError::NotFound,
            ProductError::SlugExhausted => AppError::Conflict("choose another name".into()),
            ProductError::SlugTaken => AppError::Conflict("that slug is taken".into()),
            ProductError::Storage(e) => unavailable("storage", e),
            ProductError::Db(e) => unavailable("database", e),
        })
    }

    pub fn upload_err(e: UploadError) -> AppError {
        with_status(match e {
            UploadError::NotFound => AppError::NotFound,
            UploadError::Conflict(msg) => AppError::Conflict(msg),
            UploadError::Storage(e) => unavailable("storage", e),
            UploadError::Db(e) => unavailable("database", e),
        })
    }

    pub fn gallery_err(e: GalleryError) -> AppError {
        with_status(match e {
            GalleryError::NotFound => AppError::NotFound,
            GalleryError::Invalid(msg) => AppError::Invalid(msg),
            GalleryError::Storage(e) => unavailable("storage", e),
            GalleryError::Db(e) => unavailable("database", e),
        })
    }

    pub fn db_err(e: sqlx::Error) -> AppError {
        upload_err(UploadError::Db(e))
    }
}

#[server(prefix = "/api", endpoint = "create_product", input = Json)]
pub async fn create_product(name: String) -> Result<ProductDto, AppError> {
    use crate::server::services::products;
    let st = ssr::admin().await?;
    products::create(&st.db, &name).await.map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "list_products", input = Json)]
pub async fn list_products() -> Result<Vec<ProductDto>, AppError> {
    use crate::server::services::products;
    let st = ssr::admin().await?;
    products::list(&st.db).await.map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "get_product", input = Json)]
pub async fn get_product(id: Uuid) -> Result<ProductDto, AppError> {
    use crate::server::services::products;
    let st = ssr::admin().await?;
    products::get(&st.db, id).await.map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "list_images", input = Json)]
pub async fn list_images(product_id: Uuid) -> Result<Vec<ImageDto>, AppError> {
    use crate::server::services::images;
    let st = ssr::admin().await?;
    images::list_dtos(&st.db, &st.storage, product_id, images::Audience::Admin, true)
        .await
        .map_err(ssr::db_err)
}

#[server(prefix = "/api", endpoint = "get_upload_limits", input = Json)]
pub async fn get_upload_limits() -> Result<UploadLimits, AppError> {
    Ok(ssr::admin().await?.uploads.limits)
}

#[server(prefix = "/api", endpoint = "begin_upload", input = Json)]
pub async fn begin_upload(product_id: Uuid, files: Vec<FileSpec>) -> Result<BatchResult<UploadTicket>, AppError> {
    use crate::server::services::uploads;
    let st = ssr::admin().await?;
    uploads::begin(&st.db, &st.storage, st.uploads, product_id, files)
        .await
        .map_err(ssr::upload_err)
}

#[server(prefix = "/api", endpoint = "complete_upload", input = Json)]
pub async fn complete_upload(image_id: Uuid) -> Result<ImageDto, AppError> {
    use crate::server::services::uploads;
    let st = ssr::admin().await?;
    uploads::complete(&st.db, &st.storage, image_id)
        .await
        .map_err(ssr::upload_err)
}

#[server(prefix = "/api", endpoint = "renew_upload", input = Json)]
pub async fn renew_upload(image_id: Uuid) -> Result<UploadTicket, AppError> {
    use crate::server::services::uploads;
    let st = ssr::admin().await?;
    uploads::renew(&st.db, &st.storage, st.uploads, image_id)
        .await
        .map_err(ssr::upload_err)
}

#[server(prefix = "/api", endpoint = "cancel_upload", input = Json)]
pub async fn cancel_upload(image_id: Uuid) -> Result<(), AppError> {
    use crate::server::services::uploads;
    let st = ssr::admin().await?;
    uploads::cancel(&st.db, &st.storage, image_id)
        .await
        .map_err(ssr::upload_err)
}

#[server(prefix = "/api", endpoint = "public_gallery", input = Json)]
pub async fn public_gallery(slug: String) -> Result<GalleryDto, AppError> {
    use crate::server::services::products;
    let st = ssr::state()?;
    products::public_gallery(&st.db, &st.storage, &slug)
        .await
        .map_err(ssr::product_err)
}

/// Signs in; the session travels in an HttpOnly cookie, never in the response body.
#[server(prefix = "/api", endpoint = "login", input = Json)]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::services::auth;
    let st = ssr::state()?;
    let client = ssr::client_addr();
    let (user, token) = auth::login(&st.db, &st.sign_in_limits, &email, &password, client)
        .await
        .map_err(ssr::auth_err)?;
    if !user.is_admin {
        return Err(crate::error::ssr::with_status(AppError::Forbidden));
    }
    ssr::set_session_cookie(&st, &token);
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::services::auth;
    let st = ssr::state()?;
    if let Some(token) = ssr::session_token() {
        auth::logout(&st.db, &token).await.map_err(ssr::db_err)?;
    }
    ssr::set_session_cookie(&st, "");
    Ok(())
}

#[server(prefix = "/api", endpoint = "list_published_products", input = Json)]
pub async fn list_published_products() -> Result<Vec<ProductDto>, AppError> {
    use crate::server::services::products;
    let st = ssr::state()?;
    products::list_published(&st.db, &st.storage)
        .await
        .map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "update_product", input = Json)]
pub async fn update_product(id: Uuid, name: String, slug: String, description: String) -> Result<ProductDto, AppError> {
    use crate::server::services::products;
    let st = ssr::admin().await?;
    products::update(&st.db, id, &name, &slug, &description)
        .await
        .map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "set_published", input = Json)]
pub async fn set_published(id: Uuid, published: bool) -> Result<ProductDto, AppError> {
    use crate::server::services::products;
    let st = ssr::admin().await?;
    products::set_published(&st.db, id, published)
        .await
        .map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "delete_product", input = Json)]
pub async fn delete_product(id: Uuid) -> Result<(), AppError> {
    use crate::server::services::products;
    let st = ssr::admin().await?;
    products::delete(&st.db, &st.storage, id)
        .await
        .map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "move_image", input = Json)]
pub async fn move_image(product_id: Uuid, image_id: Uuid, step: i32) -> Result<(), AppError> {
    use crate::server::services::gallery;
    let st = ssr::admin().await?;
    gallery::move_image(&st.db, product_id, image_id, step)
        .await
        .map_err(ssr::gallery_err)
}

#[server(prefix = "/api", endpoint = "set_cover", input = Json)]
pub async fn set_cover(product_id: Uuid, image_id: Uuid) -> Result<(), AppError> {
    use crate::server::services::gallery;
    let st = ssr::admin().await?;
    gallery::set_cover(&st.db, product_id, image_id)
        .await
        .map_err(ssr::gallery_err)
}

#[server(prefix = "/api", endpoint = "update_image_text", input = Json)]
pub async fn update_image_text(
    product_id: Uuid,
    image_id: Uuid,
    alt_text: String,
    title: String,
    description: String,
    tags: Vec<String>,
) -> Result<(), AppError> {
    use crate::server::services::gallery::{self, ImageText};
    let st = ssr::admin().await?;
    let text = ImageText {
        alt_text,
        title,
        description,
        tags,
    };
    gallery::update_text(&st.db, product_id, image_id, text)
        .await
        .map_err(ssr::gallery_err)
}

#[server(prefix = "/api", endpoint = "delete_images", input = Json)]
pub async fn delete_images(product_id: Uuid, image_ids: Vec<Uuid>) -> Result<BatchResult<Uuid>, AppError> {
    use crate::server::services::gallery;
    let st = ssr::admin().await?;
    Ok(gallery::delete_images(&st.db, &st.storage, product_id, image_ids).await)
}

/// Processes images again (all of the product's when `image_ids` is empty); returns how many were queued.
#[server(prefix = "/api", endpoint = "reprocess_images", input = Json)]
pub async fn reprocess_images(product_id: Uuid, image_ids: Vec<Uuid>) -> Result<usize, AppError> {
    use crate::server::services::gallery;
    let st = ssr::admin().await?;
    gallery::reprocess(&st.db, &st.storage, product_id, image_ids)
        .await
        .map_err(ssr::gallery_err)
}

/// Puts an image at a gallery index (drag and drop).
#[server(prefix = "/api", endpoint = "place_image", input = Json)]
pub async fn place_image(product_id: Uuid, image_id: Uuid, index: usize) -> Result<(), AppError> {
    use crate::server::services::gallery;
    let st = ssr::admin().await?;
    gallery::place_image(&st.db, product_id, image_id, index)
        .await
        .map_err(ssr::gallery_err)
}
