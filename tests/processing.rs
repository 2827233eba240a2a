//! Background processing against the real app: the job queue, variants in
//! storage, retries, and a worker that dies mid-job.

mod common;

use common::{Backend, TestApp, photo};
use serde_json::{Value, json};
use vitrine::{
    on_db,
    server::{jobs, storage::Storage},
};

on_both_databases!(
    uploaded_photos_become_ready_with_variants,
    a_dead_workers_job_runs_again,
    storage_trouble_retries_then_fails,
    a_damaged_image_fails_and_the_worker_goes_on,
    lowered_limits_fail_big_photos_before_decoding,
    avif_originals_and_avif_variants,
);

async fn images(app: &TestApp, product: &str) -> Vec<Value> {
    app.ok("list_images", json!({ "product_id": product }))
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn uploaded_photos_become_ready_with_variants(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Sunset print").await;
    let ids = app
        .upload(
            &product,
            &[(
                "sunset.jpg",
                photo("sunset_by_Aitzol_Berasategi_orient6.jpg"),
                "image/jpeg",
            )],
        )
        .await;
    assert_eq!(images(&app, &product).await[0]["status"], "uploaded");
    assert_eq!(jobs::run_pending_jobs(&app.state, "test").await.unwrap(), 1);

    let img = &images(&app, &product).await[0];
    assert_eq!(img["status"], "ready", "{img}");
    let (w, h) = (img["width"].as_i64().unwrap(), img["height"].as_i64().unwrap());
    assert!(h > w, "EXIF orientation 6 makes a portrait: {w}×{h}");
    assert!(
        img["placeholder"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    let variants = img["variants"].as_array().unwrap();
    let widths: Vec<i64> = variants.iter().map(|v| v["width"].as_i64().unwrap()).collect();
    assert_eq!(
        widths,
        vec![320, 800, 1600].into_iter().filter(|&x| x <= w).collect::<Vec<_>>()
    );
    for v in variants {
        let (status, bytes) = app.get_bytes(v["url"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(bytes.len() as i64, v["byte_size"].as_i64().unwrap());
        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap();
        assert_eq!(
            (decoded.width() as i64, decoded.height() as i64),
            (v["width"].as_i64().unwrap(), v["height"].as_i64().unwrap())
        );
    }
    let names = app.object_names(&product, &ids[0]).await;
    assert_eq!(
        names,
        vec!["original.jpg", "w1600.webp", "w320.webp", "w800.webp"],
        "one folder per image"
    );
    // The list is stable: a second render reuses the cached variant URLs.
    let again = &images(&app, &product).await[0];
    assert_eq!(again["variants"][0]["url"], variants[0]["url"]);
}

async fn a_dead_workers_job_runs_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Crash test").await;
    app.upload(&product, &[("wood.jpg", photo("mate_Wood.jpg"), "image/jpeg")])
        .await;
    // A worker takes the job and dies without finishing it.
    let taken = jobs::take(&app.state.db, "doomed-worker")
        .await
        .unwrap()
        .expect("a job is due");
    assert_eq!(
        jobs::run_pending_jobs(&app.state, "test").await.unwrap(),
        0,
        "a live lock is respected"
    );
    // Its lock runs out…
    on_db!(&app.state.db, p => sqlx::query("UPDATE job SET locked_until = 1 WHERE id = $1").bind(&taken.id).execute(p).await.map(|_| ())).unwrap();
    // …and the job runs again, to the end.
    assert_eq!(jobs::run_pending_jobs(&app.state, "test").await.unwrap(), 1);
    assert_eq!(images(&app, &product).await[0]["status"], "ready");
    let left: i64 =
        on_db!(&app.state.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM job").fetch_one(p).await).unwrap();
    assert_eq!(left, 0);
}

async fn storage_trouble_retries_then_fails(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Flaky").await;
    app.upload(
        &product,
        &[("bridge.jpg", photo("Bridge_by_Sander_Klootwijk.jpg"), "image/jpeg")],
    )
    .await;
    // The same app, but its storage is down (nothing listens on port 1).
    let mut broken = app.state.clone();
    broken.storage = Storage::new(Some("http://127.0.0.1:1"), "us-east-1", "vitrine-media", "k", "s");
    for attempt in 1..=jobs::MAX_ATTEMPTS {
        assert_eq!(
            jobs::run_pending_jobs(&broken, "test").await.unwrap(),
            1,
            "attempt {attempt}"
        );
        if attempt < jobs::MAX_ATTEMPTS {
            let (attempts, err): (i64, Option<String>) = on_db!(&app.state.db, p => sqlx::query_as(
                "SELECT attempts, last_error FROM job").fetch_one(p).await)
            .unwrap();
            assert_eq!(attempts, attempt);
            assert!(err.unwrap().contains("storage unavailable"));
            assert_eq!(
                jobs::run_pending_jobs(&broken, "test").await.unwrap(),
                0,
                "backoff: not due yet"
            );
            on_db!(&app.state.db, p => sqlx::query("UPDATE job SET run_at = 0").execute(p).await.map(|_| ())).unwrap();
        }
    }
    let img = &images(&app, &product).await[0];
    assert_eq!(img["status"], "failed");
    assert!(img["error"].as_str().unwrap().contains("kept failing"), "{img}");
}

async fn a_damaged_image_fails_and_the_worker_goes_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Mixed bag").await;
    let real = photo("Wine_by_Jakkub_Mede.jpg");
    let truncated = real[..real.len() / 2].to_vec();
    let mut garbage = vec![0xFF, 0xD8, 0xFF, 0xE0];
    garbage.extend(b"junk".repeat(100));
    app.upload(
        &product,
        &[
            ("half.jpg", truncated, "image/jpeg"),
            ("junk.jpg", garbage, "image/jpeg"),
            ("wine.jpg", real, "image/jpeg"),
        ],
    )
    .await;
    assert_eq!(jobs::run_pending_jobs(&app.state, "test").await.unwrap(), 3);
    let list = images(&app, &product).await;
    assert_eq!(list[0]["status"], "failed");
    assert!(list[0]["error"].as_str().unwrap().contains("truncated"), "{}", list[0]);
    assert_eq!(list[1]["status"], "failed");
    assert!(list[1]["error"].as_str().unwrap().contains("damaged"), "{}", list[1]);
    assert_eq!(list[2]["status"], "ready");
}

async fn lowered_limits_fail_big_photos_before_decoding(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.processing.max_pixels = 2_000_000).await;
    let product = app.create_product("Small only").await;
    app.upload(&product, &[("wood.jpg", photo("mate_Wood.jpg"), "image/jpeg")])
        .await;
    assert_eq!(jobs::run_pending_jobs(&app.state, "test").await.unwrap(), 1);
    let img = &images(&app, &product).await[0];
    assert_eq!(img["status"], "failed");
    assert!(img["error"].as_str().unwrap().contains("megapixels"), "{img}");
}

/// An AVIF original (decoded with libdav1d) on a server that also makes AVIF
/// variants: both formats land in storage, and the public page offers AVIF first.
async fn avif_originals_and_avif_variants(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.processing.avif = true).await;
    let product = app.create_product("Avif shelf").await;
    let avif = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/alpha-420.avif")).unwrap();
    let ids = app.upload(&product, &[("label.avif", avif, "image/avif")]).await;
    assert_eq!(jobs::run_pending_jobs(&app.state, "test").await.unwrap(), 1);
    let img = &images(&app, &product).await[0];
    assert_eq!(img["status"], "ready", "{img}");
    assert_eq!((img["width"].as_i64(), img["height"].as_i64()), (Some(64), Some(48)));
    let mut formats: Vec<&str> = img["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["format"].as_str().unwrap())
        .collect();
    formats.sort();
    assert_eq!(formats, ["avif", "webp"]);
    let avif_url = img["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["format"] == "avif")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, bytes) = app.get_bytes(&avif_url).await;
    assert_eq!(status, 200);
    assert_eq!(&bytes[4..12], b"ftypavif", "a real AVIF file");
    let names = app.object_names(&product, &ids[0]).await;
    assert_eq!(names, ["original.avif", "w64.avif", "w64.webp"]);

    app.ok("set_published", json!({ "id": product, "published": true }))
        .await;
    let html = app.public_page("/p/avif-shelf").await;
    assert!(html.contains(r#"<source type="image/avif""#), "{html}");
    assert!(html.contains("w64.avif"));
}
