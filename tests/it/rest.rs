//! The REST door (`/api/v1`) against the real app: tokens and their scopes,
//! problem+json refusals, cursor pages, and the presigned upload flow driven
//! by a script that has only a token (no cookie, no Origin).

use crate::common::{Backend, TestApp, photo};
use reqwest::{Client, Method};
use serde_json::{Value, json};
use vitrine::server::services::tokens::{self, Scope};

on_both_databases!(
    tokens_are_required_and_scoped,
    revoked_and_malformed_tokens_are_refused,
    products_are_managed_and_paged,
    a_script_uploads_through_presigned_urls,
    bad_input_is_a_problem,
    the_token_command_prints_the_secret_once,
    the_upload_command_uploads_a_folder,
);

struct Api<'a> {
    app: &'a TestApp,
    client: Client,
    token: Option<String>,
}

impl<'a> Api<'a> {
    fn new(app: &'a TestApp, token: Option<String>) -> Self {
        Self {
            app,
            client: Client::new(),
            token,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value, String) {
        let mut req = self.client.request(method, format!("{}/api/v1{path}", self.app.url));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), ct)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let (s, v, _) = self.send(Method::GET, path, None).await;
        (s, v)
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self.send(Method::POST, path, Some(body)).await;
        (s, v)
    }
}

async fn token(app: &TestApp, scope: Scope) -> String {
    let (_, secret) = tokens::create(&app.state.db, "test script", scope)
        .await
        .expect("token");
    secret.expose().to_string()
}

/// A refusal as RFC 9457 describes it, with this kind.
fn assert_problem(status: u16, expected: u16, body: &Value, ct: &str, kind: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(ct, "application/problem+json");
    assert_eq!(body["type"], format!("urn:vitrine:problem:{kind}"), "{body}");
    assert_eq!(body["status"], expected);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
}

async fn tokens_are_required_and_scoped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, body, ct) = Api::new(&app, None).send(Method::GET, "/products", None).await;
    assert_problem(s, 401, &body, &ct, "unauthorized");

    let reader = Api::new(&app, Some(token(&app, Scope::Read).await));
    assert_eq!(reader.get("/products").await, (200, json!({ "items": [] })));
    let (s, body, ct) = reader
        .send(Method::POST, "/products", Some(json!({ "name": "Lamp" })))
        .await;
    assert_problem(s, 403, &body, &ct, "forbidden");

    let writer = Api::new(&app, Some(token(&app, Scope::Write).await));
    let (s, lamp) = writer.post("/products", json!({ "name": "Lamp" })).await;
    assert_eq!(s, 201, "{lamp}");
    assert_eq!(lamp["slug"], "lamp");
    assert_eq!(reader.get("/products/lamp").await, (200, lamp.clone()));
    // A token is not a browser session: the browser's server functions refuse it.
    let res = Client::new()
        .post(format!("{}/api/list_products", app.url))
        .bearer_auth(writer.token.as_deref().unwrap())
        .header("origin", &app.url)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The admin's session reads the REST door too.
    let res = app
        .http
        .get(format!("{}/api/v1/products/lamp", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // …but its cookie is ambient: a write from another origin is a 403 problem,
    let res = app
        .http
        .post(format!("{}/api/v1/products", app.url))
        .header("origin", "http://evil.example")
        .json(&json!({ "name": "Forged" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // while a write with no credential at all is told what to send.
    let (s, body, ct) = Api::new(&app, None).send(Method::DELETE, "/products/lamp", None).await;
    assert_problem(s, 401, &body, &ct, "unauthorized");
}

async fn revoked_and_malformed_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let secret = token(&app, Scope::Write).await;
    let api = Api::new(&app, Some(secret.clone()));
    assert_eq!(api.get("/products").await.0, 200);
    let listed = tokens::list(&app.state.db).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "use is recorded");
    tokens::revoke(&app.state.db, listed[0].id).await.unwrap();
    let (s, body, ct) = api.send(Method::GET, "/products", None).await;
    assert_problem(s, 401, &body, &ct, "unauthorized");
    // The revoked token still lists, marked; revoking an unknown id is an error.
    assert!(tokens::list(&app.state.db).await.unwrap()[0].revoked_at.is_some());
    assert!(tokens::revoke(&app.state.db, uuid::Uuid::new_v4()).await.is_err());
    // Secrets one character off, or of another shape, are nobody.
    let mut off = secret.clone();
    off.pop();
    off.push(if secret.ends_with('0') { '1' } else { '0' });
    for bad in [off, "vit_".into(), "x".repeat(5000)] {
        assert_eq!(Api::new(&app, Some(bad)).get("/products").await.0, 401);
    }
    // A bad token never falls back to the session cookie sent with it.
    let res = app
        .http
        .get(format!("{}/api/v1/products", app.url))
        .bearer_auth("vit_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

async fn products_are_managed_and_paged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app, Some(token(&app, Scope::Write).await));
    let mut made = Vec::new();
    for i in 0..5 {
        let (s, p) = api.post("/products", json!({ "name": format!("Chair {i}") })).await;
        assert_eq!(s, 201);
        made.push(p["id"].as_str().unwrap().to_string());
    }
    // Pages of two: 2 + 2 + 1, newest first, nothing twice, no cursor after the last.
    let mut seen = Vec::new();
    let mut path = "/products?limit=2".to_string();
    let mut pages = 0;
    loop {
        let (s, page) = api.get(&path).await;
        assert_eq!(s, 200, "{page}");
        pages += 1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/products?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // The pages, end to end, are the one-page listing (newest first; ties by id).
    let (_, all) = api.get("/products?limit=200").await;
    let all: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, all);
    let mut sorted = seen.clone();
    sorted.sort();
    made.sort();
    assert_eq!(sorted, made, "every product once");

    let (_, newest) = api.get("/products/chair-4").await;
    let id = newest["id"].as_str().unwrap();
    let (s, p, _) = api
        .send(
            Method::PATCH,
            &format!("/products/{id}"),
            Some(json!({ "description": "Oak, 1962" })),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (p["description"].as_str(), p["name"].as_str()),
        (Some("Oak, 1962"), Some("Chair 4"))
    );
    assert_eq!(
        api.post(&format!("/products/{id}/publish"), json!({})).await.1["published"],
        true
    );
    assert!(app.public_page("/p/chair-4").await.contains("Oak, 1962"));
    assert_eq!(
        api.post(&format!("/products/{id}/unpublish"), json!({})).await.1["published"],
        false
    );
    let (s, _, _) = api.send(Method::DELETE, &format!("/products/{id}"), None).await;
    assert_eq!(s, 204);
    let (s, body, ct) = api.send(Method::GET, &format!("/products/{id}"), None).await;
    assert_problem(s, 404, &body, &ct, "not-found");
}

async fn a_script_uploads_through_presigned_urls(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app, Some(token(&app, Scope::Write).await));
    let (_, product) = api.post("/products", json!({ "name": "Wine rack" })).await;
    let (s, gallery) = api.get("/products/wine-rack/images").await;
    assert_eq!(s, 200);
    assert_eq!(
        (gallery["primary_image"].clone(), gallery["images"].clone()),
        (Value::Null, json!([]))
    );

    let jpeg = photo("Wine_by_Jakkub_Mede.jpg");
    let spec = crate::common::file_spec("wine.jpg", &jpeg, "image/jpeg");
    let bad = json!({ "name": "notes.txt", "size": 5, "content_type": "text/plain" });
    let (s, batch) = api
        .post("/products/wine-rack/uploads", json!({ "files": [spec, bad] }))
        .await;
    assert_eq!(s, 200, "{batch}");
    assert_eq!(
        (batch["total_successful"].as_u64(), batch["total_failed"].as_u64()),
        (Some(1), Some(1))
    );
    let ticket = &batch["successful"][0];
    assert_eq!(app.put_ticket(ticket, jpeg).await, 200);
    let image = ticket["image_id"].as_str().unwrap();
    let (s, done) = api.post(&format!("/uploads/{image}/complete"), json!({})).await;
    assert_eq!(s, 200, "{done}");
    app.run_jobs().await;

    let (_, gallery) = api
        .get(&format!("/products/{}/images", product["id"].as_str().unwrap()))
        .await;
    assert_eq!(gallery["images"][0]["status"], "ready", "{gallery}");
    let placeholder = gallery["images"][0]["placeholder"].as_str().unwrap_or_default();
    assert!(placeholder.starts_with("data:image/png;base64,"), "{gallery}");
    assert_eq!(gallery["primary_image"]["id"], image);
    assert!(!gallery["primary_image"]["variants"].as_array().unwrap().is_empty());
    let (s, queued) = api.post("/products/wine-rack/reprocess", json!({})).await;
    assert_eq!((s, queued["queued"].as_u64()), (202, Some(1)));

    // A second file, cancelled before its PUT: neither row nor ticket stays.
    let small = crate::common::tiny_png();
    let spec = crate::common::file_spec("dot.png", &small, "image/png");
    let (_, batch) = api
        .post("/products/wine-rack/uploads", json!({ "files": [spec] }))
        .await;
    let pending = batch["successful"][0]["image_id"].as_str().unwrap().to_string();
    let (s, _, _) = api.send(Method::DELETE, &format!("/uploads/{pending}"), None).await;
    assert_eq!(s, 204);
    let (_, gallery) = api.get("/products/wine-rack/images").await;
    assert_eq!(gallery["images"].as_array().unwrap().len(), 1);
}

async fn bad_input_is_a_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app, Some(token(&app, Scope::Write).await));
    let (s, body, ct) = api
        .send(Method::POST, "/products", Some(json!({ "title": "no name" })))
        .await;
    assert_problem(s, 422, &body, &ct, "invalid");
    let (s, body, ct) = api.send(Method::POST, "/products", Some(json!({ "name": "  " }))).await;
    assert_problem(s, 400, &body, &ct, "invalid");
    let (s, body, ct) = api.send(Method::GET, "/products?limit=0", None).await;
    assert_problem(s, 400, &body, &ct, "invalid");
    let (s, body, ct) = api.send(Method::GET, "/products?cursor=garbage", None).await;
    assert_problem(s, 400, &body, &ct, "invalid");
    let (s, body, ct) = api.send(Method::POST, "/uploads/not-an-id/complete", None).await;
    assert_problem(s, 404, &body, &ct, "not-found");
    let (s, body, ct) = api.send(Method::GET, "/nowhere", None).await;
    assert_problem(s, 404, &body, &ct, "not-found");
    // Not JSON at all: 415, still a problem.
    let res = api
        .client
        .post(format!("{}/api/v1/products", app.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .body("name=Lamp")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // The OpenAPI document describes the door, and needs no token.
    let (s, doc, _) = Api::new(&app, None).send(Method::GET, "/openapi.json", None).await;
    assert_eq!((s, doc["openapi"].as_str()), (200, Some("3.1.0")));
    assert!(doc["paths"]["/api/v1/products/{product}/uploads"]["post"].is_object());
    // Taken slugs are a conflict.
    api.post("/products", json!({ "name": "Stool" })).await;
    let (_, other) = api.post("/products", json!({ "name": "Bench" })).await;
    let (s, body, ct) = api
        .send(
            Method::PATCH,
            &format!("/products/{}", other["id"].as_str().unwrap()),
            Some(json!({ "slug": "stool" })),
        )
        .await;
    assert_problem(s, 409, &body, &ct, "conflict");
}

/// `vitrine token create|list|revoke` as an operator runs it: stdout is the
/// secret and nothing else (so `TOKEN=$(…)` works), the listing never shows it.
async fn the_token_command_prints_the_secret_once(backend: Backend) {
    let dep = crate::procs::Deployment::new(backend, false, 1).await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .envs(dep.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run vitrine");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (secret, note) = run(&["token", "create", "nightly sync", "--scope", "read"]);
    let secret = secret.strip_suffix('\n').expect("one line");
    assert!(
        secret.starts_with("vit_") && secret.len() == 68 && !secret.contains('\n'),
        "{secret:?}"
    );
    assert!(note.contains("shown only now"), "{note}");
    assert!(!note.contains(secret), "the secret is not logged");

    let db = vitrine::server::db::Db::connect(
        &dep.env.iter().find(|(k, _)| *k == "DATABASE_URL").unwrap().1,
        dep.dir.path(),
    )
    .await
    .unwrap();
    let token = tokens::authenticate(&db, secret)
        .await
        .unwrap()
        .expect("the printed secret works");
    assert_eq!(token.scope, Scope::Read);
    let (listing, _) = run(&["token", "list"]);
    assert!(listing.contains(&token.id.to_string()) && listing.contains("nightly sync") && listing.contains("live"));
    assert!(!listing.contains(secret));
    run(&["token", "revoke", &token.id.to_string()]);
    assert!(tokens::authenticate(&db, secret).await.unwrap().is_none());
    assert!(run(&["token", "list"]).0.contains("revoked"));
}

/// `vitrine upload` as a script runs it: a folder with nested folders, a text
/// file and a broken "photo"; then the same folder again (nothing twice).
async fn the_upload_command_uploads_a_folder(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let secret = token(&app, Scope::Write).await;
    let api = Api::new(&app, Some(secret.clone()));
    api.post("/products", json!({ "name": "Shelf" })).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("shoot");
    std::fs::create_dir_all(root.join("day2/close-ups")).unwrap();
    let photos = [
        "mate_Wood.jpg",
        "Wine_by_Jakkub_Mede.jpg",
        "plasma_BytheWater.jpg",
        "plasma_FallenLeaf.jpg",
        "friends_by_Aitzol_Berasategi.jpg",
        "plasma_ColorfulCups.jpg",
        "free_by_Peter_Nerlich.jpg",
        "Picture_0B_by_freespace.jpg",
        "greentock_by_Peter_Nerlich.jpg",
        "plasma_OneStandsOut.jpg",
    ];
    for (i, name) in photos.iter().enumerate() {
        let folder = match i % 3 {
            0 => root.clone(),
            1 => root.join("day2"),
            _ => root.join("day2/close-ups"),
        };
        std::fs::write(folder.join(name), photo(name)).unwrap();
    }
    std::fs::write(root.join("notes.txt"), "shot list").unwrap();
    std::fs::write(root.join("day2/broken.jpg"), "not a picture at all").unwrap();
    // A run cut short before this photo's PUT left its image pending: the next
    // run must finish that upload, not skip the photo as "already here".
    let mut cut = crate::common::file_spec(photos[0], &photo(photos[0]), "image/jpeg");
    cut["skip_if_present"] = json!(true);
    let (s, batch) = api.post("/products/shelf/uploads", json!({ "files": [cut] })).await;
    assert_eq!((s, batch["total_successful"].as_u64()), (200, Some(1)), "{batch}");
    let cut_short = batch["successful"][0]["image_id"].as_str().unwrap().to_string();

    let run = |json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"));
        cmd.args(["upload", "--server", &app.url, "--product", "shelf"]);
        if json {
            cmd.arg("--json");
        }
        cmd.arg(&root)
            .env("VITRINE_TOKEN", &secret)
            .env_remove("VITRINE_SERVER");
        cmd
    };
    let out = tokio::task::spawn_blocking({
        let mut cmd = run(false);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a failed file fails the run: {stdout}");
    assert!(stdout.contains("10 uploaded · 1 skipped · 1 failed"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("failed") && l.contains("broken.jpg")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("skipped") && l.contains("notes.txt")),
        "{stdout}"
    );
    let (_, gallery) = api.get("/products/shelf/images").await;
    let kept: Vec<_> = gallery["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] != "failed")
        .collect();
    assert_eq!(kept.len(), 10, "{gallery}");
    assert!(
        kept.iter()
            .any(|i| i["id"] == cut_short.as_str() && i["status"] != "pending"),
        "the cut-short upload was finished in place: {gallery}"
    );

    // Again: every photo is already there, so nothing is uploaded twice.
    let out = tokio::task::spawn_blocking({
        let mut cmd = run(true);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    assert_eq!(
        (
            report["uploaded"].as_u64(),
            report["skipped"].as_u64(),
            report["failed"].as_u64()
        ),
        (Some(0), Some(11), Some(1)),
        "{report}"
    );
    let (_, gallery) = api.get("/products/shelf/images").await;
    assert_eq!(
        gallery["images"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["status"] != "failed")
            .count(),
        10
    );
}
