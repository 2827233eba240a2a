//! Standalone workers as operators run them: the real `vitrine` binary as one
//! `serve` (no worker inside) and two `vitrine worker` processes with the
//! *same* settings, on one database. Each uploaded image must be processed
//! exactly once, and the workers must neither bind the serve's port nor need
//! anything but the database, the storage and the imaging settings.

mod common;

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, database_url};
use serde_json::{Value, json};
use vitrine::model::{BatchResult, ImageDto, ImageStatus, ProductDto, UploadTicket};

on_both_databases!(serve_and_two_workers_process_each_image_exactly_once);

const IMAGES: usize = 30;

/// A child process killed when the test ends, however it ends.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(command: &str, env: &[(&str, String)], log: &std::path::Path) -> Proc {
    let log = std::fs::File::create(log).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg(command)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start the vitrine binary");
    Proc(child)
}

/// A distinct 900×600 JPEG per index (a gradient whose colours depend on it).
fn jpeg(i: usize) -> Vec<u8> {
    let img = image::RgbImage::from_fn(900, 600, |x, y| {
        image::Rgb([(x / 4) as u8, (y / 3) as u8, (i * 8) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).expect("encode");
    out.into_inner()
}

async fn call<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str, name: &str, args: Value) -> T {
    let res = http
        .post(format!("{url}/api/{name}"))
        .json(&args)
        .send()
        .await
        .expect(name);
    assert_eq!(res.status(), 200, "{name}");
    res.json().await.expect(name)
}

async fn serve_and_two_workers_process_each_image_exactly_once(backend: Backend) {
    // Arrange: one set of settings for every process, as an operator would write it.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let env = vec![
        ("VITRINE_BIND", format!("127.0.0.1:{port}")),
        ("VITRINE_DATA_DIR", dir.path().display().to_string()),
        ("DATABASE_URL", database_url(backend).await),
        ("VITRINE_RUN_WORKER", "false".to_string()),
        ("VITRINE_CONCURRENCY", "2".to_string()),
        ("VITRINE_ADMIN_EMAIL", ADMIN_EMAIL.to_string()),
        ("VITRINE_ADMIN_PASSWORD", ADMIN_PASSWORD.to_string()),
    ];
    let _serve = start("serve", &env, &dir.path().join("serve.log"));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers([(reqwest::header::ORIGIN, url.parse().unwrap())].into_iter().collect())
        .build()
        .unwrap();
    let started = Instant::now();
    while http.get(format!("{url}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "serve did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut workers: Vec<Proc> = (0..2)
        .map(|n| start("worker", &env, &dir.path().join(format!("worker{n}.log"))))
        .collect();
    let _: () = call(
        &http,
        &url,
        "login",
        json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }),
    )
    .await;
    let product: ProductDto = call(&http, &url, "create_product", json!({ "name": "Thirty" })).await;

    // Act: 30 uploads through the presigned flow.
    let bodies: Vec<Vec<u8>> = (0..IMAGES).map(jpeg).collect();
    let specs: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| json!({ "name": format!("p{i}.jpg"), "size": b.len(), "content_type": "image/jpeg" }))
        .collect();
    let batch: BatchResult<UploadTicket> = call(
        &http,
        &url,
        "begin_upload",
        json!({ "product_id": product.id, "files": specs }),
    )
    .await;
    assert_eq!(batch.total_successful, IMAGES);
    for t in &batch.successful {
        let mut put = http.put(&t.url);
        for (k, v) in &t.headers {
            put = put.header(k, v);
        }
        assert_eq!(put.body(bodies[t.index].clone()).send().await.unwrap().status(), 200);
        let _: ImageDto = call(&http, &url, "complete_upload", json!({ "image_id": t.image_id })).await;
    }
    let images = loop {
        let images: Vec<ImageDto> = call(&http, &url, "list_images", json!({ "product_id": product.id })).await;
        if images.iter().all(|i| i.status == ImageStatus::Ready) {
            break images;
        }
        for w in &mut workers {
            assert!(
                w.0.try_wait().unwrap().is_none(),
                "a worker exited; see its log in {}",
                dir.path().display()
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "not all images became ready"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    // Assert: every image ready, processed once, with one variant per width.
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
    let logs: String = (0..2)
        .map(|n| std::fs::read_to_string(dir.path().join(format!("worker{n}.log"))).unwrap())
        .collect();
    assert!(
        !logs.contains("cannot listen"),
        "a worker tried to bind the serve's port:\n{logs}"
    );
    let page = http.get(format!("{url}/admin")).send().await.unwrap();
    assert_eq!(page.status(), 200, "serve still answers on its port");
}
