//! `/api/v1/products`: list (cursor pages), create, read (by id or slug),
//! edit, publish, unpublish, delete with every object.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;

use super::{ApiResult, Body, Params, ProblemBody};
use crate::{
    model::{ProductDto, ProductPage},
    server::{
        services::products::{self, Cursor, ProductError},
        web::{caller::Caller, state::AppState},
    },
};

/// Page size when none is asked for, and the most one page holds.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many products (1 to 200; 50 when left out).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/products",
    tag = "products",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of products, newest first", body = ProductPage),
        (status = 400, description = "A bad limit or cursor", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json")
    )
)]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Params(q): Params<PageQuery>,
) -> ApiResult<Json<ProductPage>> {
    caller.reader()?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ProductError::Invalid(format!("limit is between 1 and {MAX_PAGE}")).into());
    }
    let after = q.cursor.as_deref().map(Cursor::parse).transpose()?;
    let (items, next) = products::page(&st.db, after, limit).await?;
    Ok(Json(ProductPage {
        items,
        next_cursor: next.map(|c| c.encode()),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewProduct {
    /// 1 to 120 characters; the slug is made from it.
    #[schema(min_length = 1, max_length = 120)]
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/products",
    tag = "products",
    request_body = NewProduct,
    responses(
        (status = 201, description = "The new product", body = ProductDto),
        (status = 400, description = "A bad name", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The JSON has the wrong shape", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "No free slug", body = ProblemBody, content_type = "application/problem+json")
    )
)]
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    Body(new): Body<NewProduct>,
) -> ApiResult<(StatusCode, Json<ProductDto>)> {
    caller.writer()?;
    Ok((StatusCode::CREATED, Json(products::create(&st.db, &new.name).await?)))
}

#[utoipa::path(
    get,
    path = "/api/v1/products/{product}",
    tag = "products",
    params(("product" = String, Path, description = "The product's id or slug")),
    responses(
        (status = 200, description = "The product", body = ProductDto),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json")
    )
)]
pub async fn show(State(st): State<AppState>, caller: Caller, Path(key): Path<String>) -> ApiResult<Json<ProductDto>> {
    caller.reader()?;
    Ok(Json(products::find(&st.db, &key).await?))
}

/// Fields left out keep their value.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProductChanges {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/products/{product}",
    tag = "products",
    params(("product" = String, Path, description = "The product's id or slug")),
    request_body = ProductChanges,
    responses(
        (status = 200, description = "The changed product", body = ProductDto),
        (status = 400, description = "A bad name, slug or description", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "The JSON has the wrong shape", body = ProblemBody, content_type = "application/problem+json")
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/publish",
    tag = "products",
    params(("product" = String, Path, description = "The product's id or slug")),
    responses(
        (status = 200, description = "The product, now visible to visitors", body = ProductDto),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json")
    )
)]
pub async fn publish(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ProductDto>> {
    publish_as(&st, &caller, &key, true).await
}

#[utoipa::path(
    post,
    path = "/api/v1/products/{product}/unpublish",
    tag = "products",
    params(("product" = String, Path, description = "The product's id or slug")),
    responses(
        (status = 200, description = "The product, now hidden from visitors", body = ProductDto),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json")
    )
)]
pub async fn unpublish(
    State(st): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ProductDto>> {
    publish_as(&st, &caller, &key, false).await
}

#[utoipa::path(
    delete,
    path = "/api/v1/products/{product}",
    tag = "products",
    params(("product" = String, Path, description = "The product's id or slug")),
    responses(
        (status = 204, description = "Deleted, with every image and object"),
        (status = 401, description = "No live API token or admin session", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = ProblemBody, content_type = "application/problem+json")
    )
)]
/// Deletes the product, its images and every object they stored.
pub async fn remove(State(st): State<AppState>, caller: Caller, Path(key): Path<String>) -> ApiResult<StatusCode> {
    caller.writer()?;
    let p = products::find(&st.db, &key).await?;
    products::delete(&st.db, &st.storage, p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
