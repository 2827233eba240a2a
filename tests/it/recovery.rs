//! A server killed with `kill -9` while it processes: after a restart every
//! image reaches Ready. A running job holds a short lease its heartbeat
//! renews; a dead worker stops renewing, so its jobs are taken again once the
//! lease runs out (`jobs::LEASE`, 30 s), and images left `processing` are
//! processed again.

use std::time::{Duration, Instant};

use vitrine::{model::ImageStatus, server::jobs::LEASE};

use crate::{
    common::Backend,
    procs::{Deployment, jpeg},
};

on_both_databases!(a_server_killed_mid_processing_finishes_every_image_after_restart);

const IMAGES: usize = 20;

async fn a_server_killed_mid_processing_finishes_every_image_after_restart(backend: Backend) {
    // Arrange: one serve with its worker, one job at a time, 20 big images.
    let deployment = Deployment::new(backend, true, 1).await;
    let mut serve = deployment.start("serve", "serve");
    let client = deployment.client().await;
    let bodies: Vec<Vec<u8>> = (0..IMAGES).map(|i| jpeg(i, 2400, 1600)).collect();
    let product = client.upload(&bodies).await;

    // Act: kill -9 while some images are done and others are not.
    let started = Instant::now();
    loop {
        let images = client.images(&product).await;
        if images.iter().any(|i| i.status == ImageStatus::Ready) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "nothing was processed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    serve.kill();
    let _serve = deployment.start("serve", "serve-again");
    let restarted = Instant::now();
    let client = deployment.client().await;
    let images = client.all_ready(&product, LEASE + Duration::from_secs(90)).await;

    // Assert: all ready; the one that was mid-job was tried once more, no other.
    let recovery = restarted.elapsed();
    eprintln!(
        "recovered {IMAGES} images {:.1} s after the restart",
        recovery.as_secs_f64()
    );
    assert_eq!(images.len(), IMAGES);
    let retried = images.iter().filter(|i| i.attempts > 1).count();
    assert!(retried <= 1, "only the job the dead worker held runs twice: {retried}");
}
