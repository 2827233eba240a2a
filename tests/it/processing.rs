//! Background processing against the real app: the job queue, variants in
//! storage, retries, and a worker that dies mid-job.

use crate::common::{Backend, TestApp, photo};
use serde_json::json;
use vitrine::{
    model::ImageStatus,
    on_db,
    server::{
        jobs,
        repo::images,
        storage::{ObjectKey, Storage},
    },
};

on_both_databases!(
    uploaded_photos_become_ready_with_variants,
    a_dead_workers_job_runs_again,
    storage_trouble_retries_then_fails,
    a_damaged_image_fails_and_the_worker_goes_on,
    lowered_limits_fail_big_photos_before_decoding,
    avif_originals_and_avif_variants,
    reprocessing_writes_new_keys_and_removes_the_old,
);

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
    assert_eq!(app.images(&product).await[0].status, ImageStatus::Uploaded);
    assert_eq!(app.run_jobs().await, 1);

    let img = &app.images(&product).await[0];
    assert_eq!(img.status, ImageStatus::Ready, "{img:?}");
    assert_eq!(img.attempts, 1);
    let (w, h) = (img.width.unwrap(), img.height.unwrap());
    assert!(h > w, "EXIF orientation 6 makes a portrait: {w}×{h}");
    // The admin page's listing carries the ThumbHash, not a PNG of it (the page draws
    // none; the REST listing has it, see `rest::a_script_uploads_through_presigned_urls`).
    assert!(img.thumbhash.is_some() && img.placeholder.is_none(), "{img:?}");
    let variants = &img.variants;
    let widths: Vec<i64> = variants.iter().map(|v| v.width).collect();
    assert_eq!(
        widths,
        vec![320, 800, 1600].into_iter().filter(|&x| x <= w).collect::<Vec<_>>()
    );
    for v in variants {
        // The admin's page gets short `/media` paths, served to the signed-in admin
        // even before the product is published, and kept in that browser only.
        assert!(v.url.starts_with("/media/"), "{}", v.url);
        let url = format!("{}{}", app.url, v.url);
        let anon = app.anon.get(&url).send().await.unwrap();
        assert_eq!(anon.status(), 404, "unpublished: not for visitors");
        let res = app.http.get(&url).send().await.unwrap();
        assert_eq!(res.headers()["cache-control"], "private, max-age=31536000, immutable");
        let (status, bytes) = app.get_bytes(&url).await;
        assert_eq!(status, 200);
        assert_eq!(bytes.len() as i64, v.byte_size);
        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap();
        assert_eq!((decoded.width() as i64, decoded.height() as i64), (v.width, v.height));
    }
    let names = app.object_names(&product, &ids[0]).await;
    assert_eq!(
        names,
        vec!["original.jpg", "w1600-v1.webp", "w320-v1.webp", "w800-v1.webp"],
        "one folder per image"
    );
    // The REST listing presigns; it is stable too: a later render reuses the cached
    // variant URLs, where a fresh signature (a second later, so its date differs) would not.
    let rest = || {
        use vitrine::server::services::images::{Audience, list_dtos};
        let (db, storage) = (&app.state.db, &app.state.storage);
        async move {
            list_dtos(db, storage, img.product_id, Audience::Admin, true)
                .await
                .unwrap()
        }
    };
    let first = rest().await[0].variants[0].url.clone();
    assert!(first.contains("X-Amz-Signature"), "{first}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(rest().await[0].variants[0].url, first, "reused from the cache");
    let key = vitrine::server::storage::ObjectKey::variant(img.product_id, img.id, 1, "webp", 320);
    let fresh = app.state.storage.variant_url(&key, false).await.unwrap();
    assert_ne!(fresh, first, "without the cache the URL would change");
}

async fn a_dead_workers_job_runs_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Crash test").await;
    app.upload(&product, &[("wood.jpg", photo("mate_Wood.jpg"), "image/jpeg")])
        .await;
    // A worker takes the job and dies without finishing it.
    let taken = jobs::queue::take(&app.state.db, "doomed-worker")
        .await
        .unwrap()
        .expect("a job is due");
    assert_eq!(app.run_jobs().await, 0, "a live lock is respected");
    // …mid-run, having stored part of its variants, which no row names.
    let image = app.images(&product).await[0].id;
    assert!(images::mark_processing(&app.state.db, image).await.unwrap());
    let leftover = ObjectKey::variant(product.parse().unwrap(), image, 0, "webp", 321);
    app.state
        .storage
        .put(&leftover, "image/webp", b"partial".to_vec())
        .await
        .unwrap();
    // Its lock runs out…
    on_db!(&app.state.db, p => sqlx::query("UPDATE job SET locked_until = 1 WHERE id = $1").bind(&taken.id).execute(p).await.map(|_| ())).unwrap();
    // …and the job runs again, to the end, removing what the dead run left.
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(app.images(&product).await[0].status, ImageStatus::Ready);
    let names = app.object_names(&product, &image.to_string()).await;
    assert!(!names.contains(&"w321-v0.webp".to_string()), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("original.")), "{names:?}");
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
    let mut broken = app.state.job_context();
    broken.storage = Storage::new(Some("http://127.0.0.1:1"), "us-east-1", "vitrine-media", "k", "s");
    for attempt in 1..=<jobs::ProcessImage as jobs::BackgroundJob>::MAX_ATTEMPTS {
        assert_eq!(
            jobs::run_pending_jobs(&broken, "test").await.unwrap(),
            1,
            "attempt {attempt}"
        );
        if attempt < <jobs::ProcessImage as jobs::BackgroundJob>::MAX_ATTEMPTS {
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
    let img = &app.images(&product).await[0];
    assert_eq!(img.status, ImageStatus::Failed);
    let error = img.error.as_deref().unwrap();
    assert!(
        error.contains("storage unavailable") && error.contains("5 attempts"),
        "{error}"
    );
    assert_eq!(img.attempts, 5, "the admin sees how often it was tried");
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
    assert_eq!(app.run_jobs().await, 3);
    let list = app.images(&product).await;
    let statuses: Vec<ImageStatus> = list.iter().map(|i| i.status).collect();
    assert_eq!(statuses, [ImageStatus::Failed, ImageStatus::Failed, ImageStatus::Ready]);
    assert!(list[0].error.as_deref().unwrap().contains("truncated"), "{:?}", list[0]);
    assert!(list[1].error.as_deref().unwrap().contains("damaged"), "{:?}", list[1]);
}

async fn lowered_limits_fail_big_photos_before_decoding(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.processing.max_pixels = 2_000_000).await;
    let product = app.create_product("Small only").await;
    app.upload(&product, &[("wood.jpg", photo("mate_Wood.jpg"), "image/jpeg")])
        .await;
    assert_eq!(app.run_jobs().await, 1);
    let img = &app.images(&product).await[0];
    assert_eq!(img.status, ImageStatus::Failed);
    assert!(img.error.as_deref().unwrap().contains("megapixels"), "{img:?}");
}

/// An AVIF original (decoded with libdav1d) on a server that also makes AVIF
/// variants: both formats land in storage, and the public page offers AVIF first.
async fn avif_originals_and_avif_variants(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.processing.avif = true).await;
    let product = app.create_product("Avif shelf").await;
    let avif = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/alpha-420.avif")).unwrap();
    let ids = app.upload(&product, &[("label.avif", avif, "image/avif")]).await;
    assert_eq!(app.run_jobs().await, 1);
    let img = &app.images(&product).await[0];
    assert_eq!(img.status, ImageStatus::Ready, "{img:?}");
    assert_eq!((img.width, img.height), (Some(64), Some(48)));
    let mut formats: Vec<&str> = img.variants.iter().map(|v| v.format.as_str()).collect();
    formats.sort();
    assert_eq!(formats, ["avif", "webp"]);
    let avif = img.variants.iter().find(|v| v.format == "avif").unwrap();
    let (status, bytes) = app.get_bytes(&format!("{}{}", app.url, avif.url)).await;
    assert_eq!(status, 200);
    assert_eq!(&bytes[4..12], b"ftypavif", "a real AVIF file");
    let names = app.object_names(&product, &ids[0]).await;
    assert_eq!(names, ["original.avif", "w64-v1.avif", "w64-v1.webp"]);

    app.ok("set_published", json!({ "id": product, "published": true }))
        .await;
    let html = app.public_page("/p/avif-shelf").await;
    assert!(html.contains(r#"<source type="image/avif""#), "{html}");
    assert!(html.contains("w64-v1.avif"));
}

/// Reprocessing must never leave a cached URL pointing at an older rendition:
/// each run writes new keys, and the previous run's objects are deleted.
async fn reprocessing_writes_new_keys_and_removes_the_old(backend: Backend) {
    // Arrange: a ready image.
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Twice").await;
    let ids = app
        .upload(&product, &[("wood.jpg", photo("mate_Wood.jpg"), "image/jpeg")])
        .await;
    app.run_jobs().await;
    let first: Vec<String> = app.images(&product).await[0]
        .variants
        .iter()
        .map(|v| v.url.clone())
        .collect();

    // Act
    let queued = app
        .ok(
            "reprocess_images",
            json!({ "product_id": product, "image_ids": [ids[0]] }),
        )
        .await;
    app.run_jobs().await;

    // Assert
    assert_eq!(queued, 1);
    let img = &app.images(&product).await[0];
    assert_eq!((img.status, img.attempts), (ImageStatus::Ready, 2));
    for (v, old) in img.variants.iter().zip(&first) {
        assert_ne!(&v.url, old, "a new run, a new URL");
        assert!(v.url.contains("-v2."), "{}", v.url);
    }
    assert_eq!(
        app.object_names(&product, &ids[0]).await,
        ["original.jpg", "w1600-v2.webp", "w320-v2.webp", "w800-v2.webp"],
        "the first run's variants are gone"
    );
}
