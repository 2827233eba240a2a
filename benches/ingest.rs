//! Presigned PUT ingest into the embedded store (harness-free): 64 MiB bodies
//! through tickets of the real app over HTTP, one at a time and four at once,
//! against the raw disk in the same run (the same bytes written to files in the
//! temporary folder, where the app keeps its objects, each ended with `fdatasync`). Rounds interleave the four;
//! printed: MB/s per figure (median and worst round) and ingest / raw disk.
//! `cargo bench --features ssr --bench ingest`   (BENCH_ROUNDS, 5)

#[path = "../tests/common/mod.rs"]
mod common;

use std::{io::Write, path::Path, time::Instant};

use serde_json::{Value, json};

const BODY: usize = 64 * 1024 * 1024;
const PARALLEL: usize = 4;
const TARGET: f64 = 0.8;

/// Tickets for `n` copies of `body` (each a new image, so a new key).
async fn tickets(app: &common::TestApp, product: &str, body: &[u8], n: usize) -> Vec<Value> {
    let spec = common::file_spec("big.jpg", body, "image/jpeg");
    let batch = app
        .ok("begin_upload", json!({ "product_id": product, "files": vec![spec; n] }))
        .await;
    batch["successful"].as_array().expect("tickets").clone()
}

/// PUTs the body for each ticket, all at once; returns MB/s over the whole set.
async fn ingest(app: &common::TestApp, tickets: &[Value], body: &bytes::Bytes) -> f64 {
    let t0 = Instant::now();
    let puts = tickets.iter().map(|ticket| app.put_ticket(ticket, body.clone()));
    for status in futures::future::join_all(puts).await {
        assert_eq!(status, 200);
    }
    let secs = t0.elapsed().as_secs_f64();
    for ticket in tickets {
        app.ok("cancel_upload", json!({ "image_id": ticket["image_id"] })).await;
    }
    (tickets.len() * BODY) as f64 / 1e6 / secs
}

/// Writes the body to `n` files at once (a thread each, `fdatasync` at the end).
/// Whatever is still dirty (the store writes without syncing) is flushed first,
/// untimed: otherwise the raw figure pays for the ingest's write-back.
fn raw_disk(dir: &Path, body: &[u8], n: usize) -> f64 {
    let _ = std::process::Command::new("sync").status();
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for i in 0..n {
            s.spawn(move || {
                let path = dir.join(format!("raw-{i}"));
                let mut f = std::fs::File::create(&path).expect("raw file");
                f.write_all(body).expect("raw write");
                f.sync_data().expect("fdatasync");
            });
        }
    });
    let secs = t0.elapsed().as_secs_f64();
    for i in 0..n {
        let _ = std::fs::remove_file(dir.join(format!("raw-{i}")));
    }
    (n * BODY) as f64 / 1e6 / secs
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn worst(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let app = common::TestApp::spawn(common::Backend::Sqlite).await;
    let product = app.create_product("Ingest bench").await;
    let body = bytes::Bytes::from(common::padded_jpeg(BODY));
    // The raw files go to the temporary folder, where the test app keeps its objects.
    let dir = std::env::temp_dir();
    let (mut raw1, mut raw4, mut put1, mut put4) = (vec![], vec![], vec![], vec![]);
    for round in 0..=rounds {
        let one = tickets(&app, &product, &body, 1).await;
        let four = tickets(&app, &product, &body, PARALLEL).await;
        let r1 = raw_disk(&dir, &body, 1);
        let p1 = ingest(&app, &one, &body).await;
        let r4 = raw_disk(&dir, &body, PARALLEL);
        let p4 = ingest(&app, &four, &body).await;
        // The first round warms the page cache and connections: not counted.
        if round > 0 {
            eprintln!("round {round}: raw {r1:.0} / {r4:.0} MB/s, ingest {p1:.0} / {p4:.0} MB/s");
            raw1.push(r1);
            raw4.push(r4);
            put1.push(p1);
            put4.push(p4);
        }
    }
    let ratios = |put: &[f64], raw: &[f64]| -> Vec<f64> { put.iter().zip(raw).map(|(p, r)| p / r).collect() };
    println!("| figure | median | worst | target | ratio |\n|---|---|---|---|---|");
    for (name, put, raw) in [("one at a time", &put1, &raw1), ("4 at once", &put4, &raw4)] {
        let r = ratios(put, raw);
        println!(
            "| presigned PUT ingest, 64 MiB, {name} (raw disk {:.0} MB/s) | {:.0} MB/s ({:.2}× raw) | {:.0} MB/s ({:.2}× raw) | ≥ {TARGET}× raw disk | {:.2} |",
            median(raw),
            median(put),
            median(&r),
            worst(put),
            worst(&r),
            median(&r) / TARGET
        );
    }
}
