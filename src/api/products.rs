//! Products: create, list, read, edit, publish, delete; and the public reads.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::ssr::{admin, state};
#[cfg(feature = "ssr")]
use crate::server::services::products;
use crate::{
    error::AppError,
    model::{GalleryDto, ProductDto},
};

#[server(prefix = "/api", endpoint = "create_product", input = Json)]
pub async fn create_product(name: String) -> Result<ProductDto, AppError> {
    let st = admin().await?;
    Ok(products::create(&st.db, &name).await?)
}

#[server(prefix = "/api", endpoint = "list_products", input = Json)]
pub async fn list_products() -> Result<Vec<ProductDto>, AppError> {
    let st = admin().await?;
    Ok(products::list(&st.db).await?)
}

#[server(prefix = "/api", endpoint = "get_product", input = Json)]
pub async fn get_product(id: Uuid) -> Result<ProductDto, AppError> {
    let st = admin().await?;
    Ok(products::get(&st.db, id).await?)
}

#[server(prefix = "/api", endpoint = "update_product", input = Json)]
pub async fn update_product(id: Uuid, name: String, slug: String, description: String) -> Result<ProductDto, AppError> {
    let st = admin().await?;
    Ok(products::update(&st.db, id, &name, &slug, &description).await?)
}

#[server(prefix = "/api", endpoint = "set_published", input = Json)]
pub async fn set_published(id: Uuid, published: bool) -> Result<ProductDto, AppError> {
    let st = admin().await?;
    Ok(products::set_published(&st.db, id, published).await?)
}

#[server(prefix = "/api", endpoint = "delete_product", input = Json)]
pub async fn delete_product(id: Uuid) -> Result<(), AppError> {
    let st = admin().await?;
    Ok(products::delete(&st.db, &st.storage, id).await?)
}

/// Anyone: a published product's gallery.
#[server(prefix = "/api", endpoint = "public_gallery", input = Json)]
pub async fn public_gallery(slug: String) -> Result<GalleryDto, AppError> {
    let st = state()?;
    Ok(products::public_gallery(&st.db, &st.storage, &slug).await?)
}

/// Anyone: the published products for the home page.
#[server(prefix = "/api", endpoint = "list_published_products", input = Json)]
pub async fn list_published_products() -> Result<Vec<ProductDto>, AppError> {
    let st = state()?;
    Ok(products::list_published(&st.db, &st.storage).await?)
}
