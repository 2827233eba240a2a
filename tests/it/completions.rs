//! `complete_uploads`, the batch completion the browser's transfer worker
//! sends: each image gets its own answer, in order, and one file's trouble
//! never changes another's answer or the request's status.

use crate::common::{Backend, TestApp, file_spec, photo, tiny_png};
use serde_json::json;

on_both_databases!(each_image_gets_its_own_answer, too_many_images_are_refused_whole,);

async fn each_image_gets_its_own_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Lamp").await;
    let jpeg = photo("mate_Wood.jpg");
    let text = b"not a picture, whatever its name says".to_vec();
    let png = tiny_png();
    let batch = app
        .begin(
            &product,
            vec![
                file_spec("wood.jpg", &jpeg, "image/jpeg"),
                file_spec("fake.jpg", &text, "image/jpeg"),
                file_spec("never-sent.png", &png, "image/png"),
            ],
        )
        .await;
    let tickets = batch["successful"].as_array().unwrap();
    assert_eq!(app.put_ticket(&tickets[0], jpeg).await, 200);
    assert_eq!(app.put_ticket(&tickets[1], text).await, 200);
    let unknown = uuid::Uuid::new_v4();
    let ids = json!([
        tickets[0]["image_id"],
        tickets[1]["image_id"],
        tickets[2]["image_id"],
        unknown
    ]);

    let (status, answers) = app.call("complete_uploads", json!({ "image_ids": ids })).await;
    assert_eq!(status, 200, "per-image errors do not fail the request: {answers}");
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 4);
    assert_eq!(answers[0]["Ok"]["status"], "uploaded", "{}", answers[0]);
    assert_eq!(answers[0]["Ok"]["id"], tickets[0]["image_id"]);
    assert_eq!(answers[1]["Ok"]["status"], "failed", "{}", answers[1]);
    assert!(answers[1]["Ok"]["error"].as_str().unwrap().contains("not a JPEG"));
    assert!(
        answers[2]["Err"]["Conflict"]
            .as_str()
            .unwrap()
            .contains("has not arrived"),
        "{}",
        answers[2]
    );
    assert_eq!(answers[3]["Err"], "NotFound", "{}", answers[3]);

    // Asked again (a lost answer), each reports its state as it is now; the
    // file that arrives in between completes then.
    assert_eq!(app.put_ticket(&tickets[2], png).await, 200);
    let again = app.ok("complete_uploads", json!({ "image_ids": ids })).await;
    assert_eq!(again[0]["Ok"]["status"], "uploaded");
    assert_eq!(again[1]["Ok"]["status"], "failed");
    assert_eq!(again[2]["Ok"]["status"], "uploaded", "{}", again[2]);
    assert_eq!(app.run_jobs().await, 2, "each completed image was queued once");
}

async fn too_many_images_are_refused_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let max = vitrine::server::services::uploads::MAX_COMPLETIONS;
    let ids: Vec<uuid::Uuid> = (0..=max).map(|_| uuid::Uuid::new_v4()).collect();
    let (status, body) = app.call("complete_uploads", json!({ "image_ids": ids })).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains(&format!("at most {max}")), "{body}");
    let (status, body) = app.call("complete_uploads", json!({ "image_ids": [] })).await;
    assert_eq!((status, body), (200, json!([])), "an empty batch has nothing to say");
}
