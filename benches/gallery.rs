//! Gallery render benchmark (harness-free): a product with 100 ready images of
//! three variants each, rendered through the real app, with and without the
//! presigned-URL cache. `cargo bench --features ssr --bench gallery`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use vitrine::{
    on_db,
    server::{db::now_ms, services::images},
};

const IMAGES: usize = 100;
const ROUNDS: u32 = 200;

#[tokio::main]
async fn main() {
    let app = common::TestApp::spawn(common::Backend::Sqlite).await;
    let product = app.create_product("Benchmark gallery").await;
    let db = &app.state.db;
    for i in 0..IMAGES {
        let id = uuid::Uuid::new_v4().to_string();
        let folder = format!("products/{product}/{id}/");
        on_db!(db, p => sqlx::query(
            "INSERT INTO image (id, product_id, position, status, original_filename, content_type, byte_size, storage_key, width, height, thumbhash, created_at) \
             VALUES ($1, $2, $3, 'ready', $4, 'image/jpeg', 1000000, $5, 4000, 3000, 'YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw', $6)")
            .bind(&id).bind(&product).bind(i as i64 * 1024).bind(format!("photo-{i}.jpg")).bind(format!("{folder}original.jpg")).bind(now_ms())
            .execute(p).await.map(|_| ())).unwrap();
        for (w, h) in [(320, 240), (800, 600), (1600, 1200)] {
            on_db!(db, p => sqlx::query("INSERT INTO variant (image_id, format, width, height, byte_size, storage_key) VALUES ($1, 'webp', $2, $3, 50000, $4)")
                .bind(&id).bind(w).bind(h).bind(format!("{folder}w{w}.webp")).execute(p).await.map(|_| ())).unwrap();
        }
    }
    let pid = uuid::Uuid::parse_str(&product).unwrap();
    for (label, cached) in [("without cache", false), ("with cache", true)] {
        let t0 = Instant::now();
        for _ in 0..ROUNDS {
            let list = images::list_dtos(db, &app.state.storage, pid, images::Audience::Visitor, cached)
                .await
                .unwrap();
            assert_eq!(list.len(), IMAGES);
        }
        let per = t0.elapsed().as_secs_f64() * 1000.0 / f64::from(ROUNDS);
        println!("gallery data for {IMAGES} images {label}: {per:.2} ms per render");
    }
    // The whole server-rendered page over HTTP (the cache is warm now); only
    // published products have a public page.
    app.ok("set_published", serde_json::json!({ "id": product, "published": true }))
        .await;
    let slug = "benchmark-gallery";
    let t0 = Instant::now();
    for _ in 0..50 {
        let res = app.http.get(format!("{}/p/{slug}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap();
    }
    println!(
        "GET /p/{slug} ({IMAGES} images, cached URLs): {:.2} ms per page",
        t0.elapsed().as_secs_f64() * 1000.0 / 50.0
    );
}
