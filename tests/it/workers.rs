//! Standalone workers as operators run them: the real `vitrine` binary as one
//! `serve` (no worker inside) and two `vitrine worker` processes with the
//! *same* settings, on one database. Each uploaded image must be processed
//! exactly once, and the workers must neither bind the serve's port nor need
//! anything but the database, the storage and the imaging settings. Each
//! worker serves its own `/metrics` on `VITRINE_METRICS_BIND`, and leaves
//! cleanly on SIGTERM.

use std::time::Duration;

use crate::{
    common::Backend,
    procs::{Deployment, Proc, jpeg},
};

on_both_databases!(serve_and_two_workers_process_each_image_exactly_once);

const IMAGES: usize = 30;
const METRICS_TOKEN: &str = "worker-metrics-token";

async fn serve_and_two_workers_process_each_image_exactly_once(backend: Backend) {
    // Arrange: one set of settings for every process, as an operator would write it.
    let deployment = Deployment::new(backend, false, 2).await;
    let mut serve = deployment.start("serve", "serve");
    let client = deployment.client().await;
    let metrics_ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let mut workers: Vec<Proc> = metrics_ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            let mut env = deployment.env.clone();
            env.push(("VITRINE_METRICS_TOKEN", METRICS_TOKEN.to_string()));
            env.push(("VITRINE_METRICS_BIND", format!("127.0.0.1:{port}")));
            Proc::start("worker", &env, &deployment.dir.path().join(format!("worker{i}.log")))
        })
        .collect();

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

    // Each worker's own /metrics: between them, every image was processed once.
    let mut done = 0.0;
    for port in &metrics_ports {
        let res = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        done += text
            .lines()
            .find_map(|l| l.strip_prefix(r#"vitrine_jobs_finished_total{kind="process_image",outcome="done"} "#))
            .map_or(0.0, |v| v.trim().parse::<f64>().unwrap());
    }
    assert_eq!(done, IMAGES as f64, "the workers' own counts add up");

    // SIGTERM: a worker stops taking jobs, finishes what it holds and exits cleanly.
    let status = workers[1].terminate(Duration::from_secs(30));
    assert!(status.success(), "{status:?}\n{}", deployment.log("worker1"));
    assert!(
        deployment.log("worker1").contains("job worker stopped"),
        "{}",
        deployment.log("worker1")
    );
    // And `serve` drains and exits cleanly too.
    let status = serve.terminate(Duration::from_secs(30));
    assert!(status.success(), "{status:?}\n{}", deployment.log("serve"));
    assert!(
        deployment.log("serve").contains("stopped"),
        "{}",
        deployment.log("serve")
    );
}
