//! Twenty uploaders at once against one instance with its own worker, fifty
//! files each, five uploaders to a product: all 1,000 images end Ready, each
//! product's gallery has every file once and each batch in its order, and the bucket and
//! the rows agree both ways. Prints the throughput (the release binary's
//! figures, with its memory, come from `scripts/drill-single.sh`).

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use vitrine::{model::ImageStatus, server::reconcile::reconcile};

use crate::common::{Backend, TestApp, file_spec};

on_both_databases!(twenty_uploaders_of_fifty_files_all_end_ready);

const UPLOADERS: usize = 20;
const FILES_EACH: usize = 50;
const PRODUCTS: usize = 4;

/// A small JPEG whose pixels (and so bytes and SHA-256) differ for every `n`.
fn distinct_jpeg(n: usize) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(n & 0xff) as u8, (n >> 8) as u8, ((x * 4 + y) & 0xff) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).expect("encode");
    out.into_inner()
}

/// One uploader: one batch of tickets, then each file PUT and completed in turn.
async fn uploader(app: &TestApp, product: &str, first: usize) -> Vec<String> {
    let bodies: Vec<Vec<u8>> = (first..first + FILES_EACH).map(distinct_jpeg).collect();
    let specs: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| file_spec(&format!("item-{}.jpg", first + i), b, "image/jpeg"))
        .collect();
    let batch = app
        .ok("begin_upload", json!({ "product_id": product, "files": specs }))
        .await;
    let tickets = batch["successful"].as_array().expect("tickets");
    assert_eq!(tickets.len(), FILES_EACH, "{}", batch["failed"]);
    let mut ids = Vec::new();
    for ticket in tickets {
        let body = bodies[ticket["index"].as_u64().unwrap() as usize].clone();
        assert_eq!(app.put_ticket(ticket, body).await, 200);
        let (code, answer) = app
            .call("complete_upload", json!({ "image_id": ticket["image_id"] }))
            .await;
        assert_eq!(code, 200, "{answer}");
        ids.push(ticket["image_id"].as_str().unwrap().to_string());
    }
    ids
}

async fn twenty_uploaders_of_fifty_files_all_end_ready(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.run_worker = true).await;
    let mut products = Vec::new();
    for p in 0..PRODUCTS {
        products.push(app.create_product(&format!("Load {p}")).await);
    }

    let started = Instant::now();
    let uploads = (0..UPLOADERS).map(|u| uploader(&app, &products[u % PRODUCTS], u * FILES_EACH));
    let ids: Vec<String> = futures::future::join_all(uploads).await.concat();
    let uploaded = started.elapsed();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), UPLOADERS * FILES_EACH);

    let per_product = UPLOADERS * FILES_EACH / PRODUCTS;
    loop {
        let mut ready = 0;
        for product in &products {
            let images = app.images(product).await;
            assert_eq!(images.len(), per_product);
            assert!(images.iter().all(|i| i.status != ImageStatus::Failed), "a file failed");
            ready += images.iter().filter(|i| i.status == ImageStatus::Ready).count();
        }
        if ready == UPLOADERS * FILES_EACH {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{ready} ready after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let all_ready = started.elapsed();

    for product in &products {
        let images = app.images(product).await;
        let numbers: Vec<usize> = images
            .iter()
            .map(|i| {
                i.original_filename
                    .trim_start_matches("item-")
                    .trim_end_matches(".jpg")
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            numbers.iter().collect::<HashSet<_>>().len(),
            per_product,
            "every file once"
        );
        // Batches placed at once interleave, but each keeps the order of its files.
        for u in 0..UPLOADERS {
            let own: Vec<usize> = numbers.iter().copied().filter(|n| n / FILES_EACH == u).collect();
            assert!(own.windows(2).all(|w| w[0] < w[1]), "uploader {u}: {own:?}");
        }
    }
    let report = reconcile(&app.state.job_context(), false).await.expect("reconcile");
    assert!(report.is_clean(), "{report:?}");
    eprintln!(
        "{backend:?}: {} files from {UPLOADERS} uploaders stored in {:.1} s ({:.0} files/s), all Ready after {:.1} s ({:.0} images/s)",
        ids.len(),
        uploaded.as_secs_f64(),
        ids.len() as f64 / uploaded.as_secs_f64(),
        all_ready.as_secs_f64(),
        ids.len() as f64 / all_ready.as_secs_f64(),
    );
}
