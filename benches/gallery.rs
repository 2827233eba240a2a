//! Gallery page benchmark (harness-free): a product with 100 ready images of
//! three variants each, rendered through the real app: the data with and
//! without the presigned-URL cache (the admin's path), the public page's HTML
//! size, then `wrk` (2 threads, 32 connections, BENCH_SECS each) against
//! `/p/{slug}`, `/` with 3 published products and `/healthz`.
//! `scripts/bench-pages.sh` (or `cargo bench --features ssr --bench gallery`).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use vitrine::{
    on_db,
    server::{db::now_ms, services::images},
};

const IMAGES: usize = 100;
const ROUNDS: u32 = 200;
/// Targets from the speed issue, for the printed table.
const PAGE_TARGET_RPS: f64 = 1500.0;
const HOME_TARGET_RPS: f64 = 3000.0;
const PAGE_TARGET_KB: f64 = 60.0;

/// Ready images with three WebP variants each (rows only: pages never read the bytes).
async fn seed(app: &common::TestApp, product: &str, images: usize) {
    let db = &app.state.db;
    for i in 0..images {
        let id = uuid::Uuid::new_v4().to_string();
        let folder = format!("products/{product}/{id}/");
        on_db!(db, p => sqlx::query(
            "INSERT INTO image (id, product_id, position, status, original_filename, content_type, byte_size, storage_key, width, height, thumbhash, created_at) \
             VALUES ($1, $2, $3, 'ready', $4, 'image/jpeg', 1000000, $5, 4000, 3000, 'YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw', $6)")
            .bind(&id).bind(product).bind(i as i64 * 1024).bind(format!("photo-{i}.jpg")).bind(format!("{folder}original.jpg")).bind(now_ms())
            .execute(p).await.map(|_| ())).unwrap();
        for (w, h) in [(320, 240), (800, 600), (1600, 1200)] {
            on_db!(db, p => sqlx::query("INSERT INTO variant (image_id, format, width, height, byte_size, storage_key) VALUES ($1, 'webp', $2, $3, 50000, $4)")
                .bind(&id).bind(w).bind(h).bind(format!("{folder}w{w}.webp")).execute(p).await.map(|_| ())).unwrap();
        }
    }
}

/// Requests per second and median latency from `wrk --latency`, or None without wrk.
fn wrk(url: &str, headers: &[&str]) -> Option<(f64, String)> {
    let secs = std::env::var("BENCH_SECS").unwrap_or_else(|_| "10".into());
    let out = std::process::Command::new("wrk")
        .args(["-t2", "-c32", &format!("-d{secs}s"), "--latency", url])
        .args(headers.iter().flat_map(|h| ["-H", h]))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let p50 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("50%"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    Some((rps, p50))
}

#[tokio::main]
async fn main() {
    let app = common::TestApp::spawn(common::Backend::Sqlite).await;
    let product = app.create_product("Benchmark gallery").await;
    seed(&app, &product, IMAGES).await;
    let db = &app.state.db;
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
    let mut html = 0;
    for _ in 0..50 {
        let res = app.http.get(format!("{}/p/{slug}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        html = res.bytes().await.unwrap().len();
    }
    println!(
        "GET /p/{slug} ({IMAGES} images): {:.2} ms per page, one at a time",
        t0.elapsed().as_secs_f64() * 1000.0 / 50.0
    );
    // Two more published products with a few images each, for the home page.
    for name in ["Bench lamp", "Bench table"] {
        let id = app.create_product(name).await;
        seed(&app, &id, 5).await;
        app.ok("set_published", serde_json::json!({ "id": id, "published": true }))
            .await;
    }
    let kb = html as f64 / 1024.0;
    println!("\n| figure | now | target | ratio |\n|---|---|---|---|");
    println!(
        "| /p/{{slug}} HTML, {IMAGES} images | {kb:.1} KB | ≤ {PAGE_TARGET_KB} KB | {:.2} |",
        PAGE_TARGET_KB / kb
    );
    // Browsers ask for brotli: the kept page is compressed per response.
    let runs: [(String, &[&str], Option<f64>); 4] = [
        (format!("/p/{slug}"), &[], Some(PAGE_TARGET_RPS)),
        (format!("/p/{slug}"), &["Accept-Encoding: br"], Some(PAGE_TARGET_RPS)),
        ("/".to_string(), &[], Some(HOME_TARGET_RPS)),
        ("/healthz".to_string(), &[], None),
    ];
    for (path, headers, target) in runs {
        let path = match headers.first() {
            Some(h) => format!("{path} ({h})"),
            None => path,
        };
        let url = format!("{}{}", app.url, path.split(' ').next().unwrap_or_default());
        let Some((rps, p50)) = wrk(&url, headers) else {
            println!("| GET {path} | wrk not installed (scripts/setup.sh --with-bench) | | |");
            continue;
        };
        match target {
            Some(t) => println!(
                "| GET {path} | {rps:.0} req/s, p50 {p50} | ≥ {t:.0} req/s | {:.2} |",
                rps / t
            ),
            None => println!("| GET {path} | {rps:.0} req/s, p50 {p50} | — | |"),
        }
    }
}
