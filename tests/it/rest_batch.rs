//! The REST batch upload (`POST /api/v1/products/{p}/images`, multipart):
//! 1, 3 and 25 files with bad ones among them, an oversize single file (413),
//! refusals as problems, and a database failure after the store that must
//! leave no object behind.

use crate::common::{Backend, TestApp, tiny_png};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use vitrine::{
    on_db,
    server::services::tokens::{self, Scope},
};

on_both_databases!(
    the_batch_upload_stores_each_file_on_its_own,
    an_oversize_single_file_is_a_413,
    a_database_failure_after_the_store_keeps_nothing,
);

async fn token(app: &TestApp, scope: Scope) -> String {
    let (_, secret) = tokens::create(&app.state.db, "batch", scope).await.expect("token");
    secret.expose().to_string()
}

fn file(name: &str, body: Vec<u8>, mime: &str) -> Part {
    Part::bytes(body).file_name(name.to_string()).mime_str(mime).unwrap()
}

/// A distinct small PNG (different bytes, so never a duplicate).
fn png(i: usize) -> Vec<u8> {
    [tiny_png(), vec![0; i]].concat()
}

async fn send(app: &TestApp, token: &str, product: &str, form: Form) -> (u16, Value, String) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/products/{product}/images", app.url))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, res.json().await.unwrap_or(Value::Null), ct)
}

async fn the_batch_upload_stores_each_file_on_its_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = token(&app, Scope::Write).await;
    let product = app.create_product("Table").await;

    // One file: the single-image shape, with its text.
    let form = Form::new()
        .part("files", file("top.png", png(0), "image/png"))
        .text("titles", "Top view")
        .text("tags", "oak, table");
    let (s, one, _) = send(&app, &w, "table", form).await;
    assert_eq!(s, 201, "{one}");
    assert_eq!(
        (one["title"].as_str(), one["status"].as_str()),
        (Some("Top view"), Some("uploaded"))
    );
    assert_eq!(one["tags"], serde_json::json!(["oak", "table"]));

    // Three, the middle one not an image: the others are stored all the same.
    let form = Form::new()
        .text("titles", "A|B|C")
        .text("descriptions", "first||third")
        .part("files", file("a.png", png(1), "image/png"))
        .part("files", file("notes.txt", b"not a picture".to_vec(), "text/plain"))
        // A PNG sent as JPEG: the bytes decide.
        .part("files", file("c.jpg", png(2), "image/jpeg"));
    let (s, batch, _) = send(&app, &w, "table", form).await;
    assert_eq!(s, 200, "{batch}");
    assert_eq!(
        (batch["total_requested"].as_u64(), batch["total_successful"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(batch["failed"][0]["index"], 1);
    assert_eq!(batch["failed"][0]["filename"], "notes.txt");
    let ok = batch["successful"].as_array().unwrap();
    assert_eq!(
        (ok[0]["title"].as_str(), ok[0]["description"].as_str()),
        (Some("A"), Some("first"))
    );
    assert_eq!(
        (ok[1]["title"].as_str(), ok[1]["content_type"].as_str()),
        (Some("C"), Some("image/png"))
    );

    // Twenty-five, two bad (empty, and a duplicate of one already stored).
    let mut form = Form::new();
    for i in 0..25 {
        let part = match i {
            7 => file("empty.png", Vec::new(), "image/png"),
            19 => file("again.png", png(1), "image/png"),
            _ => file(&format!("p{i}.png"), png(10 + i), "image/png"),
        };
        form = form.part("files", part);
    }
    let (s, batch, _) = send(&app, &w, "table", form).await;
    assert_eq!(s, 200, "{batch}");
    assert_eq!(
        (batch["total_successful"].as_u64(), batch["total_failed"].as_u64()),
        (Some(23), Some(2)),
        "{batch}"
    );
    let failed: Vec<u64> = batch["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["index"].as_u64().unwrap())
        .collect();
    assert_eq!(failed, [7, 19]);
    assert_eq!(app.images(&product).await.len(), 1 + 2 + 23);
    assert_eq!(app.run_jobs().await, 26, "every stored file was queued once");
    assert!(
        app.images(&product)
            .await
            .iter()
            .all(|i| i.status == vitrine::model::ImageStatus::Ready)
    );

    // Refusals are problems.
    let r = token(&app, Scope::Read).await;
    let (s, p, ct) = send(
        &app,
        &r,
        "table",
        Form::new().part("files", file("x.png", png(3), "image/png")),
    )
    .await;
    assert_eq!(
        (s, ct.as_str(), p["type"].as_str()),
        (403, "application/problem+json", Some("urn:vitrine:problem:forbidden"))
    );
    let (s, p, _) = send(&app, &w, "table", Form::new().text("titles", "nothing")).await;
    assert_eq!(
        (s, p["type"].as_str()),
        (400, Some("urn:vitrine:problem:invalid")),
        "{p}"
    );
    let (s, _, _) = send(
        &app,
        &w,
        "no-such-product",
        Form::new().part("files", file("x.png", png(3), "image/png")),
    )
    .await;
    assert_eq!(s, 404);
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/products/table/images", app.url))
        .bearer_auth(&w)
        .json(&serde_json::json!({ "files": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}

async fn an_oversize_single_file_is_a_413(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.uploads.max_file_bytes = 1024 * 1024).await;
    let w = token(&app, Scope::Write).await;
    let product = app.create_product("Rug").await;
    // Bigger than the limit and than the 1 MiB cap on other requests' bodies.
    let big = [tiny_png(), vec![7; 3 * 1024 * 1024]].concat();
    let (s, p, ct) = send(
        &app,
        &w,
        "rug",
        Form::new().part("files", file("big.png", big.clone(), "image/png")),
    )
    .await;
    assert_eq!(
        (s, ct.as_str(), p["type"].as_str()),
        (413, "application/problem+json", Some("urn:vitrine:problem:too-large")),
        "{p}"
    );
    // In a batch it costs only itself: the file after it is read and stored.
    let form = Form::new()
        .part("files", file("big.png", big, "image/png"))
        .part("files", file("small.png", png(0), "image/png"));
    let (s, batch, _) = send(&app, &w, "rug", form).await;
    assert_eq!(s, 200, "{batch}");
    assert_eq!(batch["failed"][0]["kind"], "too_large", "{batch}");
    assert_eq!(batch["successful"][0]["original_filename"], "small.png");
    let images = app.images(&product).await;
    assert_eq!(images.len(), 1);
    assert_eq!(app.object_names(&product, &images[0].id.to_string()).await.len(), 1);
}

async fn a_database_failure_after_the_store_keeps_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = token(&app, Scope::Write).await;
    let product = app.create_product("Lamp").await;
    // Completion marks the image uploaded and queues its job in one transaction;
    // without the job table that transaction fails after the object is stored.
    on_db!(&app.state.db, p => sqlx::query("DROP TABLE job").execute(p).await.map(|_| ())).unwrap();
    let (s, p, _) = send(
        &app,
        &w,
        "lamp",
        Form::new().part("files", file("lamp.png", png(0), "image/png")),
    )
    .await;
    assert_eq!(
        (s, p["type"].as_str()),
        (503, Some("urn:vitrine:problem:unavailable")),
        "{p}"
    );
    let keys = app.state.storage.list(&format!("products/{product}/")).await.unwrap();
    assert!(keys.is_empty(), "the stored object was removed: {keys:?}");
    assert!(app.images(&product).await.is_empty(), "and its row");
}
