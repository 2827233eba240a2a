//! The upload path end to end against the real app: server functions over
//! HTTP, PUTs through presigned URLs into the embedded S3, completion checks.

use crate::common::{Backend, TestApp, file_spec, photo, tiny_png};
use serde_json::json;

on_both_databases!(
    batch_uploads_and_lists_originals,
    bad_files_are_refused_one_by_one,
    tampered_urls_are_refused,
    expired_urls_are_refused_and_renewed,
    wrong_length_or_type_is_refused,
    non_image_bytes_fail_and_leave_no_object,
    cancel_forgets_a_pending_upload,
    unknown_products_are_not_found,
    batches_begun_at_once_never_share_positions,
);

async fn batch_uploads_and_lists_originals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Oak chair").await;
    let jpeg = photo("Wine_by_Jakkub_Mede.jpg");
    let png = tiny_png();
    let batch = app
        .begin(
            &product,
            vec![
                file_spec("wine.jpg", &jpeg, "image/jpeg"),
                file_spec("dot.png", &png, "image/png"),
            ],
        )
        .await;
    assert_eq!(batch["total_requested"], 2);
    assert_eq!(batch["total_successful"], 2, "{batch}");
    let tickets = batch["successful"].as_array().unwrap();

    // Before the bytes arrive, completion refuses and the image stays pending.
    let first = tickets[0]["image_id"].as_str().unwrap();
    let (status, _) = app.call("complete_upload", json!({ "image_id": first })).await;
    assert_eq!(status, 409);

    for (ticket, body, ct) in [(&tickets[0], &jpeg, "image/jpeg"), (&tickets[1], &png, "image/png")] {
        let url = ticket["url"].as_str().unwrap();
        assert!(
            url.starts_with(&app.url),
            "the URL points at the app's own origin: {url}"
        );
        assert!(
            !url.contains("wine") && !url.contains("dot"),
            "no user text in keys: {url}"
        );
        assert_eq!(app.put(url, ct, body.clone()).await, 200);
        let done = app
            .ok("complete_upload", json!({ "image_id": ticket["image_id"] }))
            .await;
        assert_eq!(done["status"], "uploaded", "{done}");
    }

    let images = app.ok("list_images", json!({ "product_id": product })).await;
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["original_filename"], "wine.jpg", "gallery keeps upload order");
    assert_eq!(images[1]["content_type"], "image/png");
    // The page's listing signs no originals; the compare view asks for one when opened.
    assert!(images.iter().all(|i| i["original_url"].is_null()), "{images:?}");
    let url = app.ok("original_url", json!({ "image_id": images[0]["id"] })).await;
    let (status, bytes) = app.get_bytes(url.as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(bytes == jpeg, "the original is kept byte for byte");

    // The object sits in the image's own folder.
    let keys = app
        .state
        .storage
        .list(&format!("products/{product}/{first}/"))
        .await
        .unwrap();
    assert_eq!(keys, vec![format!("products/{product}/{first}/original.jpg")]);
    let listed = app.ok("list_products", json!({})).await;
    assert_eq!(listed[0]["image_count"], 2);
    assert_eq!(listed[0]["slug"], "oak-chair");
}

async fn bad_files_are_refused_one_by_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Lamp").await;
    let png = tiny_png();
    let files = vec![
        json!({ "name": "huge.jpg", "size": 200u64 * 1024 * 1024, "content_type": "image/jpeg" }),
        json!({ "name": "notes.txt", "size": 10, "content_type": "text/plain" }),
        file_spec("../../etc/passwd.png", &png, "image/png"),
        json!({ "name": "empty.png", "size": 0, "content_type": "image/png" }),
        json!({ "name": "no-digest.png", "size": png.len(), "content_type": "image/png" }),
    ];
    let batch = app.begin(&product, files).await;
    assert_eq!(
        (batch["total_successful"].as_u64(), batch["total_failed"].as_u64()),
        (Some(1), Some(4)),
        "{batch}"
    );
    let kinds: Vec<_> = batch["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["index"].as_u64().unwrap(), f["kind"].clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (0, json!("too_large")),
            (1, json!("unsupported_type")),
            (3, json!("validation")),
            (4, json!("validation"))
        ]
    );
    assert!(
        batch["failed"][3]["reason"].as_str().unwrap().contains("SHA-256"),
        "a ticket is only issued for announced bytes: {batch}"
    );
    let ok = &batch["successful"][0];
    assert_eq!(ok["index"], 2);
    assert_eq!(ok["filename"], "passwd.png", "path segments are stripped from names");

    // A second product is untouched by the first one's failures; the same slug gets a suffix.
    let again = app.ok("create_product", json!({ "name": "Lamp" })).await;
    assert_eq!(again["slug"], "lamp-2");
    let (status, body) = app.call("create_product", json!({ "name": "   " })).await;
    assert_eq!(status, 400, "{body}");
}

async fn tampered_urls_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Desk").await;
    let png = tiny_png();
    let batch = app.begin(&product, vec![file_spec("a.png", &png, "image/png")]).await;
    let url = batch["successful"][0]["url"].as_str().unwrap().to_string();

    let sig_at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let mut bad_sig = url.clone().into_bytes();
    bad_sig[sig_at] = if bad_sig[sig_at] == b'0' { b'1' } else { b'0' };
    assert_eq!(
        app.put(&String::from_utf8(bad_sig).unwrap(), "image/png", png.clone())
            .await,
        403
    );

    let other_key = url.replace("original.png", "other.png");
    assert_eq!(app.put(&other_key, "image/png", png.clone()).await, 403);

    let (unsigned, _) = url.split_once('?').unwrap();
    assert_eq!(
        app.put(unsigned, "image/png", png.clone()).await,
        403,
        "anonymous writes are refused"
    );
    let (status, _) = app.get_bytes(unsigned).await;
    assert_eq!(status, 403, "originals are never public");
    assert_eq!(
        app.put(&url, "image/png", png).await,
        200,
        "the untouched URL still works"
    );
}

async fn expired_urls_are_refused_and_renewed(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.uploads.presign_ttl_secs = 3).await;
    let product = app.create_product("Vase").await;
    let png = tiny_png();
    let batch = app.begin(&product, vec![file_spec("v.png", &png, "image/png")]).await;
    let ticket = &batch["successful"][0];
    assert_eq!(ticket["expires_in"], 3);
    // Long enough to expire; short enough that the renewed URL survives a loaded machine.
    tokio::time::sleep(std::time::Duration::from_millis(3600)).await;
    assert_eq!(
        app.put(ticket["url"].as_str().unwrap(), "image/png", png.clone()).await,
        403
    );

    let fresh = app.ok("renew_upload", json!({ "image_id": ticket["image_id"] })).await;
    assert_eq!(app.put(fresh["url"].as_str().unwrap(), "image/png", png).await, 200);
    let done = app
        .ok("complete_upload", json!({ "image_id": ticket["image_id"] }))
        .await;
    assert_eq!(done["status"], "uploaded");
    let (status, _) = app
        .call("renew_upload", json!({ "image_id": ticket["image_id"] }))
        .await;
    assert_eq!(status, 409, "a finished upload gets no new URL");
}

async fn wrong_length_or_type_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Rug").await;
    let png = tiny_png();
    let batch = app.begin(&product, vec![file_spec("r.png", &png, "image/png")]).await;
    let ticket = &batch["successful"][0];
    let url = ticket["url"].as_str().unwrap();

    let mut longer = png.clone();
    longer.extend_from_slice(&[0; 1024]);
    assert_eq!(app.put(url, "image/png", longer).await, 403, "more bytes than declared");
    assert_eq!(
        app.put(url, "image/png", png[..png.len() - 1].to_vec()).await,
        403,
        "fewer bytes than declared"
    );
    assert_eq!(
        app.put(url, "image/jpeg", png.clone()).await,
        403,
        "another content type"
    );
    let (status, _) = app
        .call("complete_upload", json!({ "image_id": ticket["image_id"] }))
        .await;
    assert_eq!(status, 409, "nothing arrived, so nothing completes");
    assert_eq!(app.put(url, "image/png", png).await, 200);
}

async fn non_image_bytes_fail_and_leave_no_object(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Stool").await;
    let text = b"this is a text file pretending to be a photograph".to_vec();
    let jpeg = photo("mate_Wood.jpg");
    let batch = app
        .begin(
            &product,
            vec![
                file_spec("fake.jpg", &text, "image/jpeg"),
                file_spec("wood.jpg", &jpeg, "image/jpeg"),
            ],
        )
        .await;
    let fake = &batch["successful"][0];
    let real = &batch["successful"][1];
    assert_eq!(app.put(fake["url"].as_str().unwrap(), "image/jpeg", text).await, 200);
    assert_eq!(app.put(real["url"].as_str().unwrap(), "image/jpeg", jpeg).await, 200);

    let done = app.ok("complete_upload", json!({ "image_id": fake["image_id"] })).await;
    assert_eq!(done["status"], "failed");
    assert!(done["error"].as_str().unwrap().contains("not a JPEG"), "{done}");
    let folder = format!("products/{product}/{}/", fake["image_id"].as_str().unwrap());
    assert!(
        app.state.storage.list(&folder).await.unwrap().is_empty(),
        "the bad object is deleted"
    );

    let ok = app.ok("complete_upload", json!({ "image_id": real["image_id"] })).await;
    assert_eq!(ok["status"], "uploaded", "one bad file never costs another");
}

async fn cancel_forgets_a_pending_upload(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Shelf").await;
    let png = tiny_png();
    let batch = app.begin(&product, vec![file_spec("s.png", &png, "image/png")]).await;
    let id = batch["successful"][0]["image_id"].clone();
    assert_eq!(
        app.ok("list_images", json!({ "product_id": product })).await[0]["status"],
        "pending"
    );
    app.ok("cancel_upload", json!({ "image_id": id })).await;
    assert_eq!(app.ok("list_images", json!({ "product_id": product })).await, json!([]));
    let (status, _) = app.call("complete_upload", json!({ "image_id": id })).await;
    assert_eq!(status, 404);
}

async fn unknown_products_are_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let missing = uuid::Uuid::new_v4();
    let (status, body) = app
        .call("begin_upload", json!({ "product_id": missing, "files": [] }))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = app.call("get_product", json!({ "id": missing })).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .call("begin_upload", json!({ "product_id": "not-a-uuid", "files": [] }))
        .await;
    assert_eq!(status, 400);
}

/// The browser asks for tickets in several chunks at once: each chunk's files
/// must land after the others', in their own order, never interleaved or tied.
async fn batches_begun_at_once_never_share_positions(backend: Backend) {
    // Arrange
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Busy shelf").await;
    let png = tiny_png();
    let batch = |b: usize| {
        let files: Vec<_> = (0..3)
            .map(|i| file_spec(&format!("b{b}-{i}.png"), &png, "image/png"))
            .collect();
        app.begin(&product, files)
    };

    // Act: four batches at the same moment.
    futures::future::join_all((0..4).map(batch)).await;

    // Assert: twelve distinct places, each batch's three together and in order.
    let names: Vec<String> = app
        .images(&product)
        .await
        .into_iter()
        .map(|i| i.original_filename)
        .collect();
    assert_eq!(names.len(), 12);
    for chunk in names.chunks(3) {
        let b = &chunk[0][..2];
        assert_eq!(
            chunk,
            [format!("{b}-0.png"), format!("{b}-1.png"), format!("{b}-2.png")],
            "{names:?}"
        );
    }
    let positions: std::collections::HashSet<i64> = vitrine::on_db!(&app.state.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT position FROM image").fetch_all(p).await)
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(positions.len(), 12, "no two images share a position");
}
