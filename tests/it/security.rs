//! The trust boundary as an attacker meets it: stored text stays text,
//! pages carry their security headers, and writes from other sites are refused.

use crate::common::{Backend, TestApp, file_spec, photo};
use serde_json::{Value, json};

on_both_databases!(
    stored_text_never_becomes_markup_in_admin_pages,
    pages_and_answers_carry_security_headers,
    writes_from_other_sites_are_refused_before_any_work,
    a_ticket_cannot_replace_a_verified_original,
    a_cancelled_ticket_writes_nothing,
    a_ticket_cannot_become_a_copy_of_another_object,
    a_ticket_takes_only_the_announced_bytes,
    the_embedded_store_refuses_odd_paths_and_sniffing,
    oversized_bodies_are_413,
);

/// One ticket for `name` (a real JPEG) on a new product.
async fn ticket(app: &TestApp, bytes: &[u8]) -> (String, Value) {
    let product = app.create_product("Tickets").await;
    let batch = app
        .ok(
            "begin_upload",
            json!({ "product_id": product, "files": [file_spec("a.jpg", bytes, "image/jpeg")] }),
        )
        .await;
    (product, batch["successful"][0].clone())
}

async fn a_ticket_cannot_replace_a_verified_original(backend: Backend) {
    // Arrange: a photo uploaded and verified through its ticket.
    let app = TestApp::spawn(backend).await;
    let jpeg = photo("mate_Wood.jpg");
    let (_, t) = ticket(&app, &jpeg).await;
    let url = t["url"].as_str().unwrap();
    assert!(t["headers"].to_string().to_lowercase().contains("if-none-match"), "{t}");
    assert_eq!(app.put(url, "image/jpeg", jpeg.clone()).await, 200);
    let mut html = b"<html><script>alert(1)</script>".to_vec();
    html.resize(jpeg.len(), b' ');

    // Act: the same URL again with other bytes of the same length (HTML posing as
    // JPEG), before and after completion, and once without the signed condition.
    let retried = app.put(url, "image/jpeg", jpeg.clone()).await;
    let before_completion = app.put(url, "image/jpeg", html.clone()).await;
    let done = app.ok("complete_upload", json!({ "image_id": t["image_id"] })).await;
    let after_completion = app.put(url, "image/jpeg", html).await;
    let without_condition = app
        .http
        .put(url)
        .header("content-type", "image/jpeg")
        .body(jpeg.clone())
        .send()
        .await
        .unwrap()
        .status();

    // Assert
    assert_eq!(retried, 412, "If-None-Match: the ticket already wrote its object");
    assert_eq!(
        before_completion, 403,
        "the signature binds the announced bytes' SHA-256"
    );
    assert_eq!(after_completion, 403, "a verified image takes no more bytes");
    assert_eq!(without_condition, 403, "If-None-Match is part of the signature");
    let (_, stored) = app.get_bytes(done["original_url"].as_str().unwrap()).await;
    assert!(stored == jpeg, "the verified original is unchanged");
}

async fn a_ticket_takes_only_the_announced_bytes(backend: Backend) {
    // Arrange: a ticket for a photo whose SHA-256 the browser announced.
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn(backend).await;
    let jpeg = photo("mate_Wood.jpg");
    let digest: String = Sha256::digest(&jpeg).iter().map(|b| format!("{b:02x}")).collect();
    let product = app.create_product("Digests").await;
    let mut spec = file_spec("a.jpg", &jpeg, "image/jpeg");
    spec["sha256"] = json!(digest);
    let batch = app.begin(&product, vec![spec]).await;
    let t = batch["successful"][0].clone();
    assert!(t["headers"].to_string().contains("x-amz-checksum-sha256"), "{t}");
    let mut other = jpeg.clone();
    other[1000] ^= 0xff;

    // Act: other bytes of the same length first, then the announced ones.
    let forged = app.put_ticket(&t, other).await;
    let honest = app.put_ticket(&t, jpeg.clone()).await;
    let done = app.ok("complete_upload", json!({ "image_id": t["image_id"] })).await;

    // Assert
    assert!(
        (400..500).contains(&forged),
        "storage took bytes the ticket did not announce: {forged}"
    );
    assert_eq!(honest, 200);
    assert_eq!(done["status"], "uploaded");
    let row = vitrine::server::services::images::find(&app.state.db, t["image_id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.sha256.as_deref(), Some(digest.as_str()), "the row keeps the digest");
}

async fn a_cancelled_ticket_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let jpeg = photo("mate_Wood.jpg");
    let (product, t) = ticket(&app, &jpeg).await;
    app.ok("cancel_upload", json!({ "image_id": t["image_id"] })).await;

    let status = app.put(t["url"].as_str().unwrap(), "image/jpeg", jpeg).await;

    assert_eq!(status, 403);
    let left = app.state.storage.list(&format!("products/{product}/")).await.unwrap();
    assert!(left.is_empty(), "no object without a row: {left:?}");
}

async fn a_ticket_cannot_become_a_copy_of_another_object(backend: Backend) {
    // Arrange: another product's verified original, and a fresh ticket here.
    let app = TestApp::spawn(backend).await;
    let secret = photo("Wine_by_Jakkub_Mede.jpg");
    let other = app.create_product("Other").await;
    let ids = app
        .upload(&other, &[("secret.jpg", secret.clone(), "image/jpeg")])
        .await;
    let source = app
        .ok("original_url", json!({ "image_id": ids[0] }))
        .await
        .as_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .trim_start_matches(&app.url)
        .to_string();
    assert!(source.contains(&ids[0]));
    let (product, t) = ticket(&app, &secret).await;

    // Act: the ticket's PUT with an unsigned copy instruction and an empty body.
    let res = app
        .http
        .put(t["url"].as_str().unwrap())
        .header("content-type", "image/jpeg")
        .header("if-none-match", "*")
        .header("x-amz-copy-source", source)
        .body(Vec::new())
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(res.status(), 403);
    let here = app.state.storage.list(&format!("products/{product}/")).await.unwrap();
    assert!(here.is_empty(), "nothing was copied: {here:?}");
}

async fn the_embedded_store_refuses_odd_paths_and_sniffing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Paths").await;
    let ids = app
        .upload(&product, &[("a.jpg", photo("mate_Wood.jpg"), "image/jpeg")])
        .await;
    let url = app
        .ok("original_url", json!({ "image_id": ids[0] }))
        .await
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.contains(&ids[0]));
    let res = app.http.get(&url).send().await.unwrap();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    // The same signature on a path that climbs out of the bucket.
    let query = url.split_once('?').unwrap().1;
    for path in [
        "/vitrine-media//../../vitrine.db",
        "/vitrine-media/%2e%2e/vitrine.db",
        "/vitrine-media/a/../b",
    ] {
        let res = app.http.get(format!("{}{path}?{query}", app.url)).send().await.unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
    }
}

async fn oversized_bodies_are_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 << 20));
    let res = app
        .http
        .post(format!("{}/api/create_product", app.url))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

const HOSTILE: &str = "</textarea><img src=x onerror=alert(1)><textarea>";

async fn stored_text_never_becomes_markup_in_admin_pages(backend: Backend) {
    // Arrange: a product whose description tries to close its textarea.
    let app = TestApp::spawn(backend).await;
    let id = app.create_product("Hostile lamp").await;
    let product = app.ok("get_product", json!({ "id": id })).await;
    app.ok(
        "update_product",
        json!({ "id": id, "name": "Hostile lamp", "slug": product["slug"], "description": HOSTILE }),
    )
    .await;

    // Act
    let html = app.page(&format!("/admin/products/{id}")).await;

    // Assert: no element was injected (the text reaches the textarea as its value after hydration).
    assert!(!html.contains("<img src=x"), "description rendered as markup");
    assert!(!html.contains(HOSTILE));
}

async fn pages_and_answers_carry_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.create_product("Headers").await;
    for path in [
        "/".to_string(),
        "/login".into(),
        format!("/admin/products/{id}"),
        "/nowhere".into(),
    ] {
        let res = app.http.get(format!("{}{path}", app.url)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        // The nonce in the header is the one on the page's hydration script.
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap()
            .to_string();
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: script without the nonce"
        );
    }
    let admin = app.http.get(format!("{}/admin", app.url)).send().await.unwrap();
    assert_eq!(admin.headers()["cache-control"], "no-store");
    let api = app
        .http
        .post(format!("{}/api/list_products", app.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

async fn writes_from_other_sites_are_refused_before_any_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({ "name": "Forged" }).to_string();
    let url = format!("{}/api/create_product", app.url);
    let sibling_port = app.url.rsplit_once(':').map(|(h, _)| format!("{h}:1")).unwrap();
    let attempts: Vec<(&str, Option<&str>, Option<String>)> = vec![
        (
            "form enctype=text/plain",
            Some("text/plain"),
            Some("http://evil.example".into()),
        ),
        ("text/plain from our origin", Some("text/plain"), None),
        ("no content type", None, None),
        ("JSON from a sibling port", Some("application/json"), Some(sibling_port)),
    ];
    for (what, content_type, origin) in attempts {
        let mut req = app.http.post(&url).body(body.clone());
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        assert_eq!(req.send().await.unwrap().status(), 403, "{what}");
    }
    let products = app.ok("list_products", json!({})).await;
    assert!(
        products.as_array().unwrap().iter().all(|p| p["name"] != "Forged"),
        "a refused write still created a product"
    );
}
