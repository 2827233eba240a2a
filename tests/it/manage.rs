//! Gallery management and the public side against the real app.

use crate::common::{Backend, TestApp, photo, tiny_png};
use serde_json::{Value, json};
use vitrine::on_db;

on_both_databases!(
    deleting_images_and_products_leaves_nothing_behind,
    one_cover_per_product_even_under_concurrent_calls,
    a_move_writes_one_row,
    hostile_text_is_stored_as_typed_and_rendered_escaped,
    only_published_products_are_public_with_the_cover_first,
);

/// Uploads through the real flow and processes: the images end `ready`.
async fn ready_images(app: &TestApp, product: &str, files: &[(&str, Vec<u8>, &str)]) -> Vec<String> {
    let ids = app.upload(product, files).await;
    app.run_jobs().await;
    ids
}

fn small(n: usize) -> Vec<(String, Vec<u8>)> {
    // Tiny valid PNGs are enough where pixels do not matter; real photos where they do.
    (0..n).map(|i| (format!("p{i}.png"), tiny_png())).collect()
}

async fn positions(app: &TestApp, product: &str) -> Vec<(String, i64)> {
    on_db!(&app.state.db, p => sqlx::query_as("SELECT id, position FROM image WHERE product_id = $1 ORDER BY position")
        .bind(product).fetch_all(p).await)
    .unwrap()
}

async fn deleting_images_and_products_leaves_nothing_behind(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Doomed").await;
    let ids = ready_images(
        &app,
        &product,
        &[
            ("a.jpg", photo("mate_Wood.jpg"), "image/jpeg"),
            ("b.jpg", photo("Wine_by_Jakkub_Mede.jpg"), "image/jpeg"),
        ],
    )
    .await;
    app.ok("set_cover", json!({ "product_id": product, "image_id": ids[0] }))
        .await;
    let r = app
        .ok("delete_images", json!({ "product_id": product, "image_ids": [ids[0]] }))
        .await;
    assert_eq!(r["total_successful"], 1, "{r}");
    assert!(
        app.state
            .storage
            .list(&format!("products/{product}/{}/", ids[0]))
            .await
            .unwrap()
            .is_empty()
    );
    let p = app.ok("get_product", json!({ "id": product })).await;
    assert_eq!(
        p["cover_image_id"],
        Value::Null,
        "the cover moves on when it is deleted"
    );
    assert!(
        !app.state
            .storage
            .list(&format!("products/{product}/"))
            .await
            .unwrap()
            .is_empty()
    );

    app.ok("delete_product", json!({ "id": product })).await;
    assert!(
        app.state
            .storage
            .list(&format!("products/{product}/"))
            .await
            .unwrap()
            .is_empty(),
        "no object left"
    );
    let rows: i64 =
        on_db!(&app.state.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM image").fetch_one(p).await).unwrap();
    assert_eq!(rows, 0, "no row left");
    let (status, _) = app.call("get_product", json!({ "id": product })).await;
    assert_eq!(status, 404);
}

async fn one_cover_per_product_even_under_concurrent_calls(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Covers").await;
    let files: Vec<(String, Vec<u8>)> = small(6);
    let refs: Vec<(&str, Vec<u8>, &str)> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone(), "image/png"))
        .collect();
    let ids = ready_images(&app, &product, &refs).await;
    let calls = ids
        .iter()
        .map(|id| app.call("set_cover", json!({ "product_id": product, "image_id": id })));
    for (status, body) in futures::future::join_all(calls).await {
        assert_eq!(status, 200, "{body}");
    }
    let p = app.ok("get_product", json!({ "id": product })).await;
    assert!(ids.contains(&p["cover_image_id"].as_str().unwrap().to_string()));
    // The schema refuses another product's image as cover.
    let other = app.create_product("Other").await;
    let stolen = on_db!(&app.state.db, p => sqlx::query("UPDATE product SET cover_image_id = $1 WHERE id = $2")
        .bind(&ids[0]).bind(&other).execute(p).await.map(|_| ()));
    assert!(stolen.is_err(), "a cover must be one of the product's own images");
}

async fn a_move_writes_one_row(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Order").await;
    let files = small(4);
    let refs: Vec<(&str, Vec<u8>, &str)> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone(), "image/png"))
        .collect();
    let ids = ready_images(&app, &product, &refs).await;
    let before = positions(&app, &product).await;
    app.ok(
        "move_image",
        json!({ "product_id": product, "image_id": ids[3], "step": -1 }),
    )
    .await;
    let after = positions(&app, &product).await;
    let changed: Vec<_> = before.iter().filter(|b| !after.contains(b)).collect();
    assert_eq!(changed.len(), 1, "exactly one row changes: {before:?} → {after:?}");
    let order: Vec<_> = after.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(
        order,
        vec![ids[0].clone(), ids[1].clone(), ids[3].clone(), ids[2].clone()]
    );
    // Many moves in a row keep working (renumbering only when keys run out).
    for _ in 0..15 {
        app.ok(
            "move_image",
            json!({ "product_id": product, "image_id": ids[3], "step": -1 }),
        )
        .await;
        app.ok(
            "move_image",
            json!({ "product_id": product, "image_id": ids[3], "step": 1 }),
        )
        .await;
    }
    app.ok(
        "move_image",
        json!({ "product_id": product, "image_id": ids[0], "step": -1 }),
    )
    .await;
    let images = app.ok("list_images", json!({ "product_id": product })).await;
    assert_eq!(images[0]["id"], ids[0].as_str(), "the first image stays first");
    // A drop at another index is one row too.
    let before = positions(&app, &product).await;
    app.ok(
        "place_image",
        json!({ "product_id": product, "image_id": ids[0], "index": 3 }),
    )
    .await;
    let after = positions(&app, &product).await;
    assert_eq!(before.iter().filter(|b| !after.contains(b)).count(), 1);
    assert_eq!(after.last().unwrap().0, ids[0], "dropped at the end");
    app.ok(
        "place_image",
        json!({ "product_id": product, "image_id": ids[0], "index": 0 }),
    )
    .await;
    assert_eq!(positions(&app, &product).await[0].0, ids[0], "and back to the front");
}

async fn hostile_text_is_stored_as_typed_and_rendered_escaped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Hostile").await;
    let ids = ready_images(&app, &product, &[("h.jpg", photo("mate_Wood.jpg"), "image/jpeg")]).await;
    let alt = "<script>alert('x')</script> «ünïcödé» 🪑";
    let args = |alt: &str| json!({ "product_id": product, "image_id": ids[0], "alt_text": alt, "title": "  T  ", "description": "line\nline", "tags": ["a", "b,c", "a"] });
    app.ok("update_image_text", args(alt)).await;
    let img = &app.ok("list_images", json!({ "product_id": product })).await[0];
    assert_eq!(img["alt_text"], alt, "stored exactly as typed");
    assert_eq!(img["title"], "T");
    assert_eq!(img["tags"], json!(["a", "b c"]));
    let (status, _) = app.call("update_image_text", args(&"x".repeat(10_000))).await;
    assert_eq!(status, 400, "a 10 KB alt text is refused");
    app.ok("set_published", json!({ "id": product, "published": true }))
        .await;
    let html = app.public_page("/p/hostile").await;
    assert!(!html.contains("<script>alert"), "never rendered raw");
    assert!(html.contains("&lt;script&gt;alert"), "rendered escaped");
}

async fn only_published_products_are_public_with_the_cover_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Showcase").await;
    let ids = ready_images(
        &app,
        &product,
        &[
            ("one.jpg", photo("mate_Wood.jpg"), "image/jpeg"),
            ("two.jpg", photo("Bridge_by_Sander_Klootwijk.jpg"), "image/jpeg"),
        ],
    )
    .await;
    let res = app.anon.get(format!("{}/p/showcase", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 404, "unpublished products are not public");
    let (status, _) = app
        .call_as(&app.anon, "public_gallery", json!({ "slug": "showcase" }))
        .await;
    assert_eq!(status, 404);
    app.ok("set_published", json!({ "id": product, "published": true }))
        .await;
    app.ok("set_cover", json!({ "product_id": product, "image_id": ids[1] }))
        .await;
    let g = app.ok("public_gallery", json!({ "slug": "showcase" })).await;
    let order: Vec<_> = g["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, vec![ids[1].clone(), ids[0].clone()], "cover first");
    // Visitors get what the page shows, nothing about the upload.
    let first = g["images"][0].as_object().unwrap();
    for private in [
        "original_url",
        "original_filename",
        "byte_size",
        "content_type",
        "error",
        "status",
    ] {
        assert!(!first.contains_key(private), "visitors' JSON carries {private}");
    }
    assert_eq!(
        first["alt"], "Showcase",
        "without alt text, the product's name describes the image"
    );
    let list = app.ok("list_published_products", json!({})).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let cover = list[0]["cover_url"].as_str().unwrap();
    let media_id = cover.strip_prefix("/media/").unwrap().split('/').next().unwrap();
    assert_eq!(
        vitrine::server::storage::ObjectKey::media_image(media_id).map(|u| u.to_string()),
        Some(ids[1].clone()),
        "the listing shows the cover: {cover}"
    );
    let (status, _) = app
        .call(
            "update_product",
            json!({ "id": product, "name": "Showcase", "slug": "Bad Slug!", "description": "" }),
        )
        .await;
    assert_eq!(status, 400);
}
