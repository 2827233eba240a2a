//! `begin_upload` with 100 files (harness-free): tickets for a batch through the
//! real app over HTTP, BENCH_ROUNDS (40) calls per database, median and worst.
//! PostgreSQL runs when TEST_POSTGRES_URL is set (`scripts/bench-pages.sh` starts one).
//! `cargo bench --features ssr --bench begin`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use serde_json::json;

const FILES: usize = 100;
const TARGET_MS: f64 = 5.0;

async fn rounds(backend: common::Backend) -> Vec<f64> {
    let app = common::TestApp::spawn(backend).await;
    let product = app.create_product("Begin bench").await;
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(40);
    let mut times = Vec::with_capacity(rounds);
    for round in 0..=rounds {
        let files: Vec<_> = (0..FILES)
            .map(|i| {
                let body = format!("round {round} file {i}");
                json!({ "name": format!("photo-{i}.jpg"), "size": 2_000_000, "content_type": "image/jpeg",
                        "sha256": common::sha256_hex(body.as_bytes()),
                        // As the browser asks: files already in the gallery are skipped.
                        "skip_if_present": true })
            })
            .collect();
        let t0 = Instant::now();
        let batch = app
            .ok("begin_upload", json!({ "product_id": product, "files": files }))
            .await;
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(batch["successful"].as_array().unwrap().len(), FILES);
        // The first call warms connections and caches: not counted.
        if round > 0 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    times
}

#[tokio::main]
async fn main() {
    let mut backends = vec![("SQLite", common::Backend::Sqlite)];
    if std::env::var("TEST_POSTGRES_URL").is_ok() {
        backends.push(("PostgreSQL", common::Backend::Postgres));
    }
    println!("| figure | median | worst | target | ratio |\n|---|---|---|---|---|");
    for (name, backend) in backends {
        let times = rounds(backend).await;
        let median = times[times.len() / 2];
        let worst = times[times.len() - 1];
        println!(
            "| begin_upload, {FILES} files, {name} | {median:.1} ms | {worst:.1} ms | ≤ {TARGET_MS} ms | {:.2} |",
            TARGET_MS / median
        );
    }
}
