//! Standalone workers as operators run them: the real `vitrine` binary as one
//! `serve` (no worker inside) and two `vitrine worker` processes with the
//! *same* settings, on one database. Each uploaded image must be processed
//! exactly once, and the workers must neither bind the serve's port nor need
//! anything but the database, the storage and the imaging settings.

use std::time::Duration;

use crate::{
    common::Backend,
    procs::{Deployment, jpeg},
};

on_both_databases!(serve_and_two_workers_process_each_image_exactly_once);

const IMAGES: usize = 30;

async fn serve_and_two_workers_process_each_image_exactly_once(backend: Backend) {
    // Arrange: one set of settings for every process, as an operator would write it.
    let deployment = Deployment::new(backend, false, 2).await;
    let _serve = deployment.start("serve", "serve");
    let client = deployment.client().await;
    let mut workers = [
        deployment.start("worker", "worker0"),
        deployment.start("worker", "worker1"),
    ];

    // Act: 30 uploads through the presigned flow.
    let bodies: Vec<Vec<u8>> = (0..IMAGES).map(|i| jpeg(i, 900, 600)).collect();
    let product = client.upload(&bodies).await;
    let images = client.all_ready(&product, Duration::from_secs(180)).await;

    // Assert: every image ready, processed once, with one variant per width.
    for w in &mut workers {
        assert!(
            w.is_running(),
            "a worker exited:\n{}",
            deployment.log("worker0") + &deployment.log("worker1")
        );
    }
    assert_eq!(images.len(), IMAGES);
    for img in &images {
        assert_eq!(
            img.attempts, 1,
            "{} was processed {} times",
            img.original_filename, img.attempts
        );
        let widths: Vec<i64> = img.variants.iter().map(|v| v.width).collect();
        assert_eq!(widths, [320, 800], "{}", img.original_filename);
    }
    let logs = deployment.log("worker0") + &deployment.log("worker1");
    assert!(
        !logs.contains("cannot listen"),
        "a worker tried to bind the serve's port:\n{logs}"
    );
    let page = client.http.get(format!("{}/admin", client.url)).send().await.unwrap();
    assert_eq!(page.status(), 200, "serve still answers on its port");
}
