//! Big files in parts (S3 multipart) against the real app and its embedded S3:
//! a 90 MiB image goes up in 8 MiB parts, resumes when announced again, is
//! checked whole at completion, and leaves nothing when cancelled.

use serde_json::{Value, json};

use crate::common::{Backend, TestApp, padded_jpeg, sha256_hex};

on_both_databases!(
    a_big_file_goes_up_in_parts_and_resumes_where_it_stopped,
    parts_that_are_not_the_announced_file_are_refused,
    cancel_aborts_the_parts,
);

const PART: usize = 8 * 1024 * 1024;
const BIG: usize = 90 * 1024 * 1024 + 12_345;

fn spec(name: &str, body: &[u8]) -> Value {
    json!({ "name": name, "size": body.len(), "content_type": "image/jpeg",
            "sha256": sha256_hex(body), "in_parts": true, "skip_if_present": true })
}

async fn ticket(app: &TestApp, product: &str, name: &str, body: &[u8]) -> Value {
    let batch = app
        .ok(
            "begin_upload",
            json!({ "product_id": product, "files": [spec(name, body)] }),
        )
        .await;
    assert_eq!(batch["total_successful"], 1, "{batch}");
    batch["successful"][0].clone()
}

fn part_of(body: &[u8], n: usize) -> Vec<u8> {
    body[(n - 1) * PART..(n * PART).min(body.len())].to_vec()
}

/// Signs part `n` for `bytes` and PUTs them; the HTTP status of the PUT.
async fn send_part(app: &TestApp, image: &Value, n: usize, signed_for: &[u8], bytes: Vec<u8>) -> u16 {
    let urls = app
        .ok(
            "sign_parts",
            json!({ "image_id": image, "parts": [{ "number": n, "sha256": sha256_hex(signed_for) }] }),
        )
        .await;
    assert_eq!(urls[0]["number"], n);
    app.put_ticket(&urls[0], bytes).await
}

async fn a_big_file_goes_up_in_parts_and_resumes_where_it_stopped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Poster wall").await;
    let body = padded_jpeg(BIG);
    let first = ticket(&app, &product, "poster.jpg", &body).await;
    let plan = &first["multipart"];
    assert_eq!(plan["parts"], 12, "{first}");
    assert_eq!(plan["part_size"], PART);
    assert_eq!(plan["done"], json!([]));
    assert_eq!(first["url"], "", "a big file gets no single-PUT URL");
    let image = first["image_id"].clone();

    // A page reload after five parts: the rest never left.
    for n in 1..=5 {
        assert_eq!(
            send_part(&app, &image, n, &part_of(&body, n), part_of(&body, n)).await,
            200
        );
    }
    let (status, answer) = app.call("complete_upload", json!({ "image_id": image })).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer.to_string().contains("part 6 of 12"), "{answer}");

    // The same file dropped again resumes the same upload.
    let again = ticket(&app, &product, "poster.jpg", &body).await;
    assert_eq!(again["image_id"], image, "resumed, not started over");
    assert_eq!(again["multipart"]["done"], json!([1, 2, 3, 4, 5]));

    // A part's URL binds its length: other bytes are refused by the store.
    let short = part_of(&body, 6)[..PART - 1].to_vec();
    assert_eq!(send_part(&app, &image, 6, &part_of(&body, 6), short).await, 403);
    // Parts outside the plan get no URL.
    let (status, _) = app
        .call(
            "sign_parts",
            json!({ "image_id": image, "parts": [{ "number": 13, "sha256": sha256_hex(b"x") }] }),
        )
        .await;
    assert_eq!(status, 409);

    for n in 6..=12 {
        assert_eq!(
            send_part(&app, &image, n, &part_of(&body, n), part_of(&body, n)).await,
            200
        );
    }
    let done = app.ok("complete_upload", json!({ "image_id": image })).await;
    assert_eq!(done["status"], "uploaded", "{done}");
    app.run_jobs().await;
    let images = app.images(&product).await;
    assert_eq!(images.len(), 1, "one image, not one per try");
    assert_eq!(images[0].status.as_str(), "ready", "{:?}", images[0].error);
    assert_eq!(images[0].byte_size, BIG as i64);
    let stored = app
        .state
        .storage
        .get(&vitrine::server::storage::ObjectKey::from_stored(format!(
            "products/{product}/{}/original.jpg",
            image.as_str().unwrap()
        )))
        .await
        .expect("the original is stored");
    assert!(stored == body, "the original is the file, byte for byte");
}

async fn parts_that_are_not_the_announced_file_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Swapped parts").await;
    let body = padded_jpeg(20 * 1024 * 1024);
    let mut other = body.clone();
    let last = other.len() - 1;
    other[last] ^= 0xFF;
    let t = ticket(&app, &product, "swap.jpg", &body).await;
    let image = t["image_id"].clone();
    // Each part is signed for the bytes it carries, but the whole is not the announced file.
    for n in 1..=3 {
        let p = part_of(&other, n);
        assert_eq!(send_part(&app, &image, n, &p, p.clone()).await, 200);
    }
    let answer = app.ok("complete_upload", json!({ "image_id": image })).await;
    assert_eq!(answer["status"], "failed", "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("SHA-256"), "{answer}");
    let names = app.object_names(&product, image.as_str().unwrap()).await;
    assert!(names.is_empty(), "the refused original is deleted: {names:?}");
}

async fn cancel_aborts_the_parts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Cancelled poster").await;
    let body = padded_jpeg(20 * 1024 * 1024);
    let t = ticket(&app, &product, "gone.jpg", &body).await;
    let image = t["image_id"].clone();
    assert_eq!(
        send_part(&app, &image, 1, &part_of(&body, 1), part_of(&body, 1)).await,
        200
    );
    assert_eq!(app.stored_parts(), 1);
    let urls = app
        .ok(
            "sign_parts",
            json!({ "image_id": image, "parts": [{ "number": 2, "sha256": sha256_hex(&part_of(&body, 2)) }] }),
        )
        .await;
    app.ok("cancel_upload", json!({ "image_id": image })).await;
    assert!(app.images(&product).await.is_empty());
    // A URL signed before the cancel writes nothing now.
    assert_eq!(app.put_ticket(&urls[0], part_of(&body, 2)).await, 403);
    assert_eq!(app.stored_parts(), 0, "the store dropped the parts");
    assert!(app.object_names(&product, image.as_str().unwrap()).await.is_empty());
}
