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
            services::{products::ProductError, uploads::UploadError},
            state::AppState,
        },
    };

    pub fn state() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| with_status(AppError::Internal))
    }

    /// Logs what the caller must not see, then sets the response status.
    pub fn product_err(e: ProductError) -> AppError {
        with_status(match e {
            ProductError::Invalid(msg) => AppError::Invalid(msg),
            ProductError::NotFound => AppError::NotFound,
            ProductError::SlugExhausted => AppError::Conflict("choose another name".into()),
            ProductError::Db(e) => {
                tracing::error!(error = %e, "database error");
                AppError::Unavailable
            }
        })
    }

    pub fn upload_err(e: UploadError) -> AppError {
        with_status(match e {
            UploadError::NotFound => AppError::NotFound,
            UploadError::Conflict(msg) => AppError::Conflict(msg),
            UploadError::Storage(e) => {
                tracing::error!(error = %e, "storage error");
                AppError::Unavailable
            }
            UploadError::Db(e) => {
                tracing::error!(error = %e, "database error");
                AppError::Unavailable
            }
        })
    }

    pub fn db_err(e: sqlx::Error) -> AppError {
        upload_err(UploadError::Db(e))
    }
}

#[server(prefix = "/api", endpoint = "create_product", input = Json)]
pub async fn create_product(name: String) -> Result<ProductDto, AppError> {
    use crate::server::services::products;
    let st = ssr::state()?;
    products::create(&st.db, &name).await.map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "list_products", input = Json)]
pub async fn list_products() -> Result<Vec<ProductDto>, AppError> {
    use crate::server::services::products;
    let st = ssr::state()?;
    products::list(&st.db).await.map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "get_product", input = Json)]
pub async fn get_product(id: Uuid) -> Result<ProductDto, AppError> {
    use crate::server::services::products;
    let st = ssr::state()?;
    products::get(&st.db, id).await.map_err(ssr::product_err)
}

#[server(prefix = "/api", endpoint = "list_images", input = Json)]
pub async fn list_images(product_id: Uuid) -> Result<Vec<ImageDto>, AppError> {
    use crate::server::services::images;
    let st = ssr::state()?;
    images::list_dtos(&st.db, &st.storage, product_id, images::Audience::Admin, true)
        .await
        .map_err(ssr::db_err)
}

#[server(prefix = "/api", endpoint = "get_upload_limits", input = Json)]
pub async fn get_upload_limits() -> Result<UploadLimits, AppError> {
    Ok(ssr::state()?.uploads.limits)
}

#[server(prefix = "/api", endpoint = "begin_upload", input = Json)]
pub async fn begin_upload(product_id: Uuid, files: Vec<FileSpec>) -> Result<BatchResult<UploadTicket>, AppError> {
    use crate::server::services::uploads;
    let st = ssr::state()?;
    uploads::begin(&st.db, &st.storage, st.uploads, product_id, files)
        .await
        .map_err(ssr::upload_err)
}

#[server(prefix = "/api", endpoint = "complete_upload", input = Json)]
pub async fn complete_upload(image_id: Uuid) -> Result<ImageDto, AppError> {
    use crate::server::services::uploads;
    let st = ssr::state()?;
    uploads::complete(&st.db, &st.storage, image_id)
        .await
        .map_err(ssr::upload_err)
}

#[server(prefix = "/api", endpoint = "renew_upload", input = Json)]
pub async fn renew_upload(image_id: Uuid) -> Result<UploadTicket, AppError> {
    use crate::server::services::uploads;
    let st = ssr::state()?;
    uploads::renew(&st.db, &st.storage, st.uploads, image_id)
        .await
        .map_err(ssr::upload_err)
}

#[server(prefix = "/api", endpoint = "cancel_upload", input = Json)]
pub async fn cancel_upload(image_id: Uuid) -> Result<(), AppError> {
    use crate::server::services::uploads;
    let st = ssr::state()?;
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
