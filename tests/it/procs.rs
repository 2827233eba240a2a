//! The real `vitrine` binary as operators run it: processes started with one
//! set of settings (environment variables), a signed-in client, and the
//! presigned upload flow over HTTP. For tests that need whole processes:
//! standalone workers, and a server killed with `kill -9`.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use vitrine::model::{BatchResult, ImageDto, ImageStatus, ProductDto, UploadTicket};

use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, database_url};

/// A child process, killed (SIGKILL) when dropped, however the test ends.
pub struct Proc(Child);

impl Proc {
    pub fn start(command: &str, env: &[(&str, String)], log: &Path) -> Self {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .arg(command)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start the vitrine binary");
        Self(child)
    }

    /// `kill -9`: no chance to finish or release anything.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Sends SIGTERM, as a service manager does, and waits for the exit.
    pub fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < within, "did not stop within {within:?} of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.0.try_wait().unwrap().is_none()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Settings every process of one deployment shares, on a fixed free port.
pub struct Deployment {
    pub url: String,
    pub env: Vec<(&'static str, String)>,
    pub dir: tempfile::TempDir,
}

impl Deployment {
    pub async fn new(backend: Backend, run_worker: bool, concurrency: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let env = vec![
            ("VITRINE_BIND", format!("127.0.0.1:{port}")),
            ("VITRINE_DATA_DIR", dir.path().display().to_string()),
            ("DATABASE_URL", database_url(backend).await),
            ("VITRINE_RUN_WORKER", run_worker.to_string()),
            ("VITRINE_CONCURRENCY", concurrency.to_string()),
            ("VITRINE_ADMIN_EMAIL", ADMIN_EMAIL.to_string()),
            ("VITRINE_ADMIN_PASSWORD", ADMIN_PASSWORD.to_string()),
        ];
        Self {
            url: format!("http://127.0.0.1:{port}"),
            env,
            dir,
        }
    }

    /// Starts `vitrine {command}`; its output goes to `{name}.log` in the data folder.
    pub fn start(&self, command: &str, name: &str) -> Proc {
        Proc::start(command, &self.env, &self.dir.path().join(format!("{name}.log")))
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    /// Waits for `/healthz`, then signs in as the admin.
    pub async fn client(&self) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(
                [(reqwest::header::ORIGIN, self.url.parse().unwrap())]
                    .into_iter()
                    .collect(),
            )
            .build()
            .unwrap();
        let started = Instant::now();
        while http.get(format!("{}/healthz", self.url)).send().await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "serve did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let client = Client {
            http,
            url: self.url.clone(),
        };
        let _: () = client
            .call("login", json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .await;
        client
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub url: String,
}

impl Client {
    pub async fn call<T: serde::de::DeserializeOwned>(&self, name: &str, args: Value) -> T {
        let res = self
            .http
            .post(format!("{}/api/{name}", self.url))
            .json(&args)
            .send()
            .await
            .expect(name);
        assert_eq!(res.status(), 200, "{name}");
        res.json().await.expect(name)
    }

    /// Uploads JPEGs through tickets, PUTs and completion; returns the product.
    pub async fn upload(&self, bodies: &[Vec<u8>]) -> ProductDto {
        let product: ProductDto = self.call("create_product", json!({ "name": "Batch" })).await;
        let specs: Vec<Value> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| crate::common::file_spec(&format!("p{i}.jpg"), b, "image/jpeg"))
            .collect();
        let batch: BatchResult<UploadTicket> = self
            .call("begin_upload", json!({ "product_id": product.id, "files": specs }))
            .await;
        assert_eq!(batch.total_successful, bodies.len());
        for t in &batch.successful {
            let mut put = self.http.put(&t.url);
            for (k, v) in &t.headers {
                put = put.header(k, v);
            }
            assert_eq!(put.body(bodies[t.index].clone()).send().await.unwrap().status(), 200);
            let _: ImageDto = self.call("complete_upload", json!({ "image_id": t.image_id })).await;
        }
        product
    }

    pub async fn images(&self, product: &ProductDto) -> Vec<ImageDto> {
        self.call("list_images", json!({ "product_id": product.id })).await
    }

    /// Polls until every image is ready (or `limit` passes).
    pub async fn all_ready(&self, product: &ProductDto, limit: Duration) -> Vec<ImageDto> {
        let started = Instant::now();
        loop {
            let images = self.images(product).await;
            if images.iter().all(|i| i.status == ImageStatus::Ready) {
                return images;
            }
            assert!(started.elapsed() < limit, "not all images became ready: {images:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// A distinct JPEG per index (a gradient whose colours depend on it).
pub fn jpeg(i: usize, width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, (i * 8) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).expect("encode");
    out.into_inner()
}
