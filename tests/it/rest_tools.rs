//! The REST door's gallery edits (text, place, cover, delete one or many) and
//! the command-line clients built on it: `vitrine import` (the legacy
//! migration, run twice) and `vitrine reprocess`.

use crate::common::{Backend, TestApp, broken_png, tiny_png};
use reqwest::Method;
use serde_json::{Value, json};
use vitrine::server::services::tokens::{self, Scope};

on_both_databases!(
    images_are_edited_through_the_rest_door,
    the_import_command_migrates_a_legacy_catalogue,
    the_reprocess_command_requeues_failed_images,
);

async fn token(app: &TestApp, scope: Scope) -> String {
    let (_, secret) = tokens::create(&app.state.db, "tools", scope).await.expect("token");
    secret.expose().to_string()
}

/// One REST call with a token: status and JSON body (`null` when empty).
async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", app.url))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn ids(gallery: &Value) -> Vec<String> {
    gallery["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

async fn images_are_edited_through_the_rest_door(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (w, r) = (token(&app, Scope::Write).await, token(&app, Scope::Read).await);
    let product = app.create_product("Desk").await;
    let up = app
        .upload(
            &product,
            &[
                ("a.png", tiny_png(), "image/png"),
                ("b.png", [tiny_png(), vec![0]].concat(), "image/png"),
                ("c.png", [tiny_png(), vec![0, 0]].concat(), "image/png"),
            ],
        )
        .await;
    app.run_jobs().await;
    let img = |i: usize| format!("/products/desk/images/{}", up[i]);

    let (s, a) = call(
        &app,
        &w,
        Method::PATCH,
        &img(0),
        Some(json!({ "alt_text": "Desk, front" })),
    )
    .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(
        (a["alt_text"].as_str(), a["title"].as_str()),
        (Some("Desk, front"), Some(""))
    );
    let (s, t) = call(&app, &w, Method::PATCH, &img(0), Some(json!({ "tags": ["oak"] }))).await;
    assert_eq!(
        (s, t["alt_text"].as_str(), t["tags"].clone()),
        (200, Some("Desk, front"), json!(["oak"]))
    );
    let long = "x".repeat(5000);
    let (s, p) = call(&app, &w, Method::PATCH, &img(0), Some(json!({ "alt_text": long }))).await;
    assert_eq!(
        (s, p["type"].as_str()),
        (400, Some("urn:vitrine:problem:invalid")),
        "{p}"
    );
    assert_eq!(
        call(&app, &r, Method::POST, &format!("{}/cover", img(1)), None).await.0,
        403
    );

    assert_eq!(
        call(
            &app,
            &w,
            Method::POST,
            &format!("{}/place", img(2)),
            Some(json!({ "index": 0 }))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(&app, &w, Method::POST, &format!("{}/cover", img(1)), None).await.0,
        204
    );
    let (_, gallery) = call(&app, &r, Method::GET, "/products/desk/images", None).await;
    assert_eq!(ids(&gallery), [up[2].clone(), up[0].clone(), up[1].clone()]);
    assert_eq!(gallery["primary_image"]["id"], up[1].as_str());

    // Another product's image is not reachable through this one.
    app.create_product("Chair").await;
    let elsewhere = format!("/products/chair/images/{}", up[0]);
    assert_eq!(
        call(&app, &w, Method::PATCH, &elsewhere, Some(json!({ "title": "x" })))
            .await
            .0,
        404
    );
    assert_eq!(call(&app, &w, Method::DELETE, &elsewhere, None).await.0, 404);

    assert_eq!(call(&app, &w, Method::DELETE, &img(0), None).await.0, 204);
    assert!(
        app.object_names(&product, &up[0]).await.is_empty(),
        "its objects went too"
    );
    let stranger = uuid::Uuid::new_v4().to_string();
    let (s, batch) = call(
        &app,
        &w,
        Method::POST,
        "/products/desk/images/delete",
        Some(json!({ "image_ids": [up[2], stranger] })),
    )
    .await;
    assert_eq!(s, 200, "{batch}");
    assert_eq!(
        (batch["total_successful"].as_u64(), batch["total_failed"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, gallery) = call(&app, &r, Method::GET, "/products/desk/images", None).await;
    assert_eq!(ids(&gallery), [up[1].clone()]);
}

/// Runs the `vitrine` binary as a script would, against the test app.
async fn vitrine(app: &TestApp, token: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"));
    cmd.args(args)
        .env("VITRINE_SERVER", &app.url)
        .env("VITRINE_TOKEN", token);
    tokio::task::spawn_blocking(move || cmd.output().expect("run vitrine"))
        .await
        .unwrap()
}

fn report(out: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)))
}

fn count(report: &Value, status: &str) -> usize {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == status)
        .count()
}

async fn the_import_command_migrates_a_legacy_catalogue(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = token(&app, Scope::Write).await;
    // A picture behind a URL, and one that is gone.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let web = format!("http://{}", listener.local_addr().unwrap());
    let png = tiny_png();
    let site = axum::Router::new().route("/img/lamp.png", axum::routing::get(move || async move { png }));
    tokio::spawn(async move { axum::serve(listener, site).await });

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pictures")).unwrap();
    let mut csv = String::from("name,slug,description,picture\n");
    for i in 1..=16 {
        let file = format!("pictures/item-{i}.png");
        std::fs::write(dir.path().join(&file), [tiny_png(), vec![0; i]].concat()).unwrap();
        csv.push_str(&format!("\"Item {i}, oak\",item-{i},\"Old item {i}\",{file}\n"));
    }
    csv.push_str(&format!("Lamp,lamp,From the web,{web}/img/lamp.png\n"));
    csv.push_str("Stool,stool,,pictures/stool.png\n");
    csv.push_str(&format!("Rug,,A rug,{web}/img/rug.png\n"));
    csv.push_str("Item 1 again,item-1,Duplicate slug,pictures/item-2.png\n");
    let export = dir.path().join("export.csv");
    std::fs::write(&export, csv).unwrap();
    let export = export.to_str().unwrap();

    let first = vitrine(&app, &w, &["import", "--json", export]).await;
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first = report(&first);
    assert_eq!(
        [
            count(&first, "imported"),
            count(&first, "missing-picture"),
            count(&first, "skipped"),
            count(&first, "failed")
        ],
        [17, 2, 1, 0],
        "{first}"
    );
    assert_eq!(first["rows"][19]["slug"], "item-1");
    let products: Vec<vitrine::model::ProductDto> = app.typed("list_products", json!({})).await;
    assert_eq!(products.len(), 19, "a row without a picture still makes its product");
    let item = products.iter().find(|p| p.slug == "item-3").unwrap();
    assert_eq!(
        (item.name.as_str(), item.description.as_str()),
        ("Item 3, oak", "Old item 3")
    );
    assert!(products.iter().any(|p| p.slug == "rug" && p.image_count == 0));
    let gallery = app.images(&item.id.to_string()).await;
    assert_eq!(gallery.len(), 1);
    assert_eq!(gallery[0].original_filename, "item-3.png");
    let lamp = products.iter().find(|p| p.slug == "lamp").unwrap();
    assert_eq!(app.images(&lamp.id.to_string()).await[0].original_filename, "lamp.png");

    // Again: nothing is made twice; the missing pictures are still reported.
    let again = vitrine(&app, &w, &["import", export]).await;
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{text}");
    assert!(
        text.contains("0 imported · 2 missing picture · 18 already imported · 0 failed"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("missing-picture") && l.contains("stool")),
        "{text}"
    );
    let products: Vec<vitrine::model::ProductDto> = app.typed("list_products", json!({})).await;
    assert_eq!(products.len(), 19);
    assert!(
        products
            .iter()
            .filter(|p| p.slug != "stool" && p.slug != "rug")
            .all(|p| p.image_count == 1)
    );
}

async fn the_reprocess_command_requeues_failed_images(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = token(&app, Scope::Write).await;
    let product = app.create_product("Vase").await;
    app.create_product("Bowl").await;
    let up = app
        .upload(
            &product,
            &[
                ("good.png", tiny_png(), "image/png"),
                ("bad.png", broken_png(), "image/png"),
            ],
        )
        .await;
    app.run_jobs().await;
    let status =
        |imgs: &[vitrine::model::ImageDto], id: &str| imgs.iter().find(|i| i.id.to_string() == id).map(|i| i.status);
    let imgs = app.images(&product).await;
    assert_eq!(status(&imgs, &up[1]), Some(vitrine::model::ImageStatus::Failed));

    let out = vitrine(&app, &w, &["reprocess", "--failed"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("queued 1 image(s) of 1 product(s)"),
        "{text}"
    );
    let imgs = app.images(&product).await;
    assert_ne!(
        status(&imgs, &up[1]),
        Some(vitrine::model::ImageStatus::Failed),
        "queued again"
    );
    assert_eq!(
        status(&imgs, &up[0]),
        Some(vitrine::model::ImageStatus::Ready),
        "the good one is left alone"
    );

    app.run_jobs().await;
    let out = vitrine(&app, &w, &["reprocess", "--product", "vase"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("queued 2 image(s) of 1 product(s)"));
    // A read token cannot; the refusal says why, and the exit code says so.
    let r = token(&app, Scope::Read).await;
    let out = vitrine(&app, &r, &["reprocess", "--product", "vase"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("403"), "{out:?}");
    let help = vitrine(&app, &w, &["import", "--help"]).await;
    assert!(String::from_utf8_lossy(&help.stdout).contains("--server"));
}
