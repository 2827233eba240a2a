//! The OpenAPI 3.1 document of the REST door, generated from the handlers'
//! `#[utoipa::path]` annotations and the wire types' schemas, served at
//! `/api/v1/openapi.json` (without a token: it describes, it holds no data).

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use super::{batch, images, products, uploads};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vitrine REST API",
        description = "Products and their image galleries. Send `Authorization: Bearer <token>` \
            (`vitrine token create NAME`); failures are RFC 9457 problem documents."
    ),
    paths(
        products::list, products::create, products::show, products::update, products::remove,
        products::publish, products::unpublish,
        uploads::images, uploads::reprocess, uploads::begin, uploads::complete, uploads::renew, uploads::cancel,
        batch::upload, images::update, images::place, images::cover, images::remove, images::remove_many,
    ),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags(
        (name = "products", description = "Create, list, read, edit, publish and delete products"),
        (name = "images", description = "A product's gallery"),
        (name = "uploads", description = "The presigned upload flow: begin, PUT to storage, complete"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme every operation names.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_described_with_its_problems() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(operations, 19, "{:?}", paths.keys().collect::<Vec<_>>());
        let problem =
            &doc["paths"]["/api/v1/products"]["post"]["responses"]["403"]["content"]["application/problem+json"];
        assert!(problem["schema"].is_object(), "{problem}");
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }
}
