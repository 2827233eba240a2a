//! `/api/v1/products`: list (cursor pages), create, read (by id or slug),
//! edit, publish, unpublish, delete with every object.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};

use super::{ApiResult, Body};
use crate::{
    model::ProductDto,
    server::{
        services::products::{self, Cursor, ProductError},
        web::{caller::Caller, state::AppState},
    },
};

/// Page size when none is asked for, and the most one page holds.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

#[derive(Deserialize)]
pub struct PageQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub struct Page {
    items: Vec<ProductDto>,
    /// Pass as `?cursor=` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

pub async fn list(State(st): State<AppState>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Json<Page>> {
    caller.reader()?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ProductError::Invalid(format!("limit is between 1 and {MAX_PAGE}")).into());
    }
    let after = q.cursor.as_deref().map(Cursor::parse).transpose()?;
    let (items, next) = products::page(&st.db, after, limit).await?;
    Ok(Json(Page {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

#[derive(Deserialize)]
pub struct NewProduct {
    name: String,
}

pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    Body(new): Body<NewProduct>,
) -> ApiResult<(StatusCode, Json<ProductDto>)> {
    caller.writer()?;
    Ok((StatusCode::CREATED, Json(products::create(&st.db, &new.name).await?)))
}

pub async fn show(State(st): State<AppState>, caller: Caller, Path(key): Path<String>) -> ApiResult<Json<ProductDto>> {
    caller.reader()?;
    Ok(Json(products::find(&st.db, &key).await?))
}

/// Fields left out keep their value.
#[derive(Deserialize)]
pub struct ProductChanges {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
}

pub async fn update(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Body(changes): Body<ProductChanges>,
) -> ApiResult<Json<ProductDto>> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    let name = changes.name.unwrap_or(p.name);
    let slug = changes.slug.unwrap_or(p.slug);
    let description = changes.description.unwrap_or(p.description);
    Ok(Json(products::update(&st.db, p.id, &name, &slug, &description).await?))
}

async fn publish_as(st: &AppState, caller: &Caller, key: &str, published: bool) -> ApiResult<Json<ProductDto>> {
    caller.writer()?;
    let p = products::find(&st.db, key).await?;
    Ok(Json(products::set_published(&st.db, p.id, published).await?))
}

pub async fn publish(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ProductDto>> {
    publish_as(&st, &caller, &key, true).await
}

pub async fn unpublish(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ProductDto>> {
    publish_as(&st, &caller, &key, false).await
}

/// Deletes the product, its images and every object they stored.
pub async fn remove(State(st): State<AppState>, caller: Caller, Path(key): Path<String>) -> ApiResult<StatusCode> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    products::delete(&st.db, &st.storage, p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
