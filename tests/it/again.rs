//! A file announced again: skipped when the gallery holds its bytes and the
//! client asked for that, taken up again when its earlier upload never finished.

use crate::common::{Backend, TestApp, broken_png, file_spec, photo, tiny_png};
use serde_json::json;

on_both_databases!(
    files_already_in_the_gallery_are_skipped_when_asked,
    an_unfinished_upload_is_taken_up_again,
);

/// A file whose bytes the gallery already holds gets no ticket when the client
/// asks to skip those (the browser does until "Upload anyway"); failed images
/// do not count, and without the flag the copy is uploaded.
async fn files_already_in_the_gallery_are_skipped_when_asked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Twice").await;
    let png = tiny_png();
    app.upload(&product, &[("first.png", png.clone(), "image/png")]).await;
    let skip = |name: &str, body: &[u8]| {
        let mut spec = file_spec(name, body, "image/png");
        spec["skip_if_present"] = json!(true);
        spec
    };
    let other = photo("mate_Wood.jpg");
    let batch = app
        .begin(&product, vec![skip("again.png", &png), skip("new.jpg", &other)])
        .await;
    assert_eq!(batch["total_successful"], 1);
    assert_eq!(batch["successful"][0]["index"], 1);
    assert_eq!(
        batch["failed"],
        json!([{ "index": 0, "filename": "again.png", "reason": "Already in this gallery", "kind": "duplicate" }])
    );
    let anyway = app
        .begin(&product, vec![file_spec("again.png", &png, "image/png")])
        .await;
    assert_eq!(anyway["total_successful"], 1, "without the flag the copy is uploaded");

    // A failed image's bytes are not "in the gallery".
    let product = app.create_product("Broken").await;
    let broken = broken_png();
    app.upload(&product, &[("broken.png", broken.clone(), "image/png")])
        .await;
    app.run_jobs().await;
    assert_eq!(
        app.images(&product).await[0].status,
        vitrine::model::ImageStatus::Failed
    );
    let batch = app.begin(&product, vec![skip("broken.png", &broken)]).await;
    assert_eq!(batch["total_successful"], 1);
}

/// An upload that never completed (a closed tab, a CLI run cut short) is taken
/// up again when the same bytes are announced with "skip if present": the same
/// image gets a fresh ticket instead of the file being skipped as present.
/// Stored but never completed, the retried PUT meets `If-None-Match` (412) and
/// completion finishes it. "Upload anyway" still means a copy.
async fn an_unfinished_upload_is_taken_up_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Left halfway").await;
    let jpeg = photo("mate_Wood.jpg");
    let skip = |name: &str| {
        let mut spec = file_spec(name, &jpeg, "image/jpeg");
        spec["skip_if_present"] = json!(true);
        spec
    };
    let first = app.begin(&product, vec![skip("wood.jpg")]).await;
    let image = first["successful"][0]["image_id"].clone();
    assert!(image.is_string(), "{first}");

    // Nothing was sent: announced again (renamed, even), the same image answers.
    let again = app.begin(&product, vec![skip("wood (1).jpg")]).await;
    assert_eq!(
        (again["total_successful"].as_u64(), again["total_failed"].as_u64()),
        (Some(1), Some(0)),
        "{again}"
    );
    let ticket = &again["successful"][0];
    assert_eq!(ticket["image_id"], image);
    assert_eq!(ticket["filename"], "wood.jpg", "the image keeps its first name");
    let (status, _) = app.call("original_url", json!({ "image_id": image })).await;
    assert_eq!(status, 404, "an unfinished upload has no original to show");
    assert_eq!(app.put_ticket(ticket, jpeg.clone()).await, 200);

    // Stored, never completed: the next announcement's PUT finds it there.
    let third = app.begin(&product, vec![skip("wood.jpg")]).await;
    let ticket = &third["successful"][0];
    assert_eq!(ticket["image_id"], image, "{third}");
    assert_eq!(app.put_ticket(ticket, jpeg.clone()).await, 412);
    let done = app.ok("complete_upload", json!({ "image_id": image })).await;
    assert_eq!(done["status"], "uploaded", "{done}");
    app.run_jobs().await;
    let images = app.images(&product).await;
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].status, vitrine::model::ImageStatus::Ready);

    // Now it is in the gallery: skipped when asked, a copy when not.
    let skipped = app.begin(&product, vec![skip("wood.jpg")]).await;
    assert_eq!(skipped["failed"][0]["kind"], "duplicate", "{skipped}");
    let pending = app
        .begin(&product, vec![file_spec("wood.jpg", &jpeg, "image/jpeg")])
        .await;
    let copy = pending["successful"][0]["image_id"].clone();
    assert_ne!(copy, image);
    let anyway = app
        .begin(&product, vec![file_spec("wood.jpg", &jpeg, "image/jpeg")])
        .await;
    assert_ne!(
        anyway["successful"][0]["image_id"], copy,
        "a pending copy is not taken over without the flag"
    );
}
