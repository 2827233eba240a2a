//! Boots the real app on port 0 with a fresh database (SQLite file or a new
//! PostgreSQL database) and a temporary data folder, and talks to it over HTTP.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;
use vitrine::server::{settings::Settings, startup::Application, telemetry, web::state::AppState};

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin every test app starts with (created by the first-run bootstrap).
pub const ADMIN_EMAIL: &str = "admin@example.test";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub url: String,
    /// Signed in as the admin (cookie store).
    pub http: reqwest::Client,
    /// Signed in as nobody.
    pub anon: reqwest::Client,
    pub state: AppState,
    _dir: TempDir,
}

/// Runs a test body once per backend, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() { super::$name($crate::common::Backend::Sqlite).await }
            #[tokio::test]
            async fn postgres() { super::$name($crate::common::Backend::Postgres).await }
        }
    )*};
}

/// A database URL for this backend; PostgreSQL gets a brand-new database.
pub async fn database_url(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => {
            use sqlx::Connection;
            let admin = std::env::var("TEST_POSTGRES_URL")
                .expect("TEST_POSTGRES_URL is not set: run the suite with scripts/test.sh, which starts PostgreSQL");
            let name = format!("vitrine_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to the test PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let (base, _) = admin.rsplit_once('/').expect("TEST_POSTGRES_URL ends with /dbname");
            format!("{base}/{name}")
        }
    }
}

/// A test app's settings: port 0, its own data directory and fresh database,
/// the bootstrap admin, no worker inside.
pub async fn test_settings(backend: Backend, data_dir: &std::path::Path) -> Settings {
    telemetry::init("warn,s3s=off");
    let mut settings = Settings::from_toml(include_str!("../../Leptos.toml")).expect("settings");
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = data_dir.to_path_buf();
    // Tests drain the queue themselves with `run_pending_jobs`.
    settings.run_worker = false;
    settings.admin_email = ADMIN_EMAIL.into();
    settings.admin_password = vitrine::server::settings::Secret::new(ADMIN_PASSWORD);
    settings.database_url = vitrine::server::settings::Secret::new(database_url(backend).await);
    settings
}

impl TestApp {
    /// The key of the app's embedded S3 endpoint (`url`), for a client of its own.
    pub fn s3_credentials(&self) -> (String, String) {
        let (id, secret) =
            vitrine::server::embedded_s3::load_or_create_credentials(self._dir.path()).expect("embedded S3 key");
        (id, secret.expose().to_string())
    }

    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = test_settings(backend, dir.path()).await;
        tweak(&mut settings);
        settings.check().expect("test settings are valid");
        let app = Application::build(settings).await.expect("app starts");
        let (url, state) = (app.public_url.clone(), app.state.clone());
        tokio::spawn(app.run());
        // Like a browser on one of the app's pages: writes carry the app's origin.
        let mut origin = reqwest::header::HeaderMap::new();
        origin.insert(reqwest::header::ORIGIN, url.parse().expect("origin header"));
        let client = || {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .default_headers(origin.clone())
                .cookie_store(true)
                .build()
                .unwrap()
        };
        let app = Self {
            url,
            http: client(),
            anon: client(),
            state,
            _dir: dir,
        };
        let res = app
            .http
            .post(format!("{}/api/login", app.url))
            .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "the bootstrap admin signs in");
        app
    }

    /// Calls a server function by its stable name with JSON arguments, as the admin.
    pub async fn call(&self, name: &str, args: Value) -> (u16, Value) {
        self.call_as(&self.http, name, args).await
    }

    pub async fn call_as(&self, client: &reqwest::Client, name: &str, args: Value) -> (u16, Value) {
        let res = client
            .post(format!("{}/api/{name}", self.url))
            .json(&args)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Like `call`, but the call must succeed.
    pub async fn ok(&self, name: &str, args: Value) -> Value {
        let (status, body) = self.call(name, args).await;
        assert_eq!(status, 200, "{name} failed: {body}");
        body
    }

    /// Calls a server function that must succeed and reads its answer as the shared wire type.
    pub async fn typed<T: serde::de::DeserializeOwned>(&self, name: &str, args: Value) -> T {
        let body = self.ok(name, args).await;
        serde_json::from_value(body).unwrap_or_else(|e| panic!("{name} answered an unexpected shape: {e}"))
    }

    /// The admin's view of a product's gallery, in order.
    pub async fn images(&self, product: &str) -> Vec<vitrine::model::ImageDto> {
        self.typed("list_images", json!({ "product_id": product })).await
    }

    /// Runs every due job, as a worker would; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        vitrine::server::jobs::run_pending_jobs(&self.state.job_context(), "test")
            .await
            .expect("the job queue answers")
    }

    pub async fn create_product(&self, name: &str) -> String {
        let p = self.ok("create_product", json!({ "name": name })).await;
        p["id"].as_str().unwrap().to_string()
    }

    /// Announces files (`file_spec`s) to `begin_upload`, which must answer; returns the batch.
    pub async fn begin(&self, product: &str, files: Vec<Value>) -> Value {
        self.ok("begin_upload", json!({ "product_id": product, "files": files }))
            .await
    }

    /// Uploads files through the real flow (ticket, PUT, completion); returns their image ids.
    pub async fn upload(&self, product: &str, files: &[(&str, Vec<u8>, &str)]) -> Vec<String> {
        let specs: Vec<Value> = files.iter().map(|(n, b, t)| file_spec(n, b, t)).collect();
        let batch = self.begin(product, specs).await;
        let mut ids = Vec::new();
        for (ticket, (_, body, ct)) in batch["successful"].as_array().unwrap().iter().zip(files) {
            assert_eq!(self.put(ticket["url"].as_str().unwrap(), ct, body.clone()).await, 200);
            self.ok("complete_upload", json!({ "image_id": ticket["image_id"] }))
                .await;
            ids.push(ticket["image_id"].as_str().unwrap().to_string());
        }
        ids
    }

    /// A PUT as a client sends it for a ticket: its content type, `If-None-Match: *`
    /// and the SHA-256 of the bytes it sends (which the ticket's signature fixes).
    pub async fn put(&self, url: &str, content_type: &str, body: Vec<u8>) -> u16 {
        self.try_put(url, content_type, body)
            .await
            .expect("PUT reaches storage")
    }

    /// The same PUT, whose failure to reach storage at all is the caller's to judge.
    pub async fn try_put(&self, url: &str, content_type: &str, body: Vec<u8>) -> Result<u16, reqwest::Error> {
        self.http
            .put(url)
            .header("content-type", content_type)
            .header("if-none-match", "*")
            .header("x-amz-checksum-sha256", sha256_header(&body))
            .body(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
    }

    /// A PUT exactly as the browser sends it: every header the ticket names.
    pub async fn put_ticket(&self, ticket: &Value, body: impl Into<reqwest::Body>) -> u16 {
        let mut req = self.http.put(ticket["url"].as_str().expect("ticket url"));
        for pair in ticket["headers"].as_array().expect("ticket headers") {
            req = req.header(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        }
        req.body(body)
            .send()
            .await
            .expect("PUT reaches storage")
            .status()
            .as_u16()
    }

    pub async fn get_bytes(&self, url: &str) -> (u16, Vec<u8>) {
        let res = self.http.get(url).send().await.expect("GET");
        (res.status().as_u16(), res.bytes().await.unwrap_or_default().to_vec())
    }

    /// The object names in one image's storage folder, sorted.
    pub async fn object_names(&self, product: &str, image: &str) -> Vec<String> {
        let keys = self
            .state
            .storage
            .list(&format!("products/{product}/{image}/"))
            .await
            .expect("list objects");
        let mut names: Vec<String> = keys.iter().map(|k| k.rsplit('/').next().unwrap().to_string()).collect();
        names.sort();
        names
    }

    /// Parts of unfinished multipart uploads the embedded store holds (its part files).
    pub fn stored_parts(&self) -> usize {
        let dir = self._dir.path().join(vitrine::server::embedded_s3::OBJECTS_DIR);
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with(".upload_id-"))
                    .filter(|e| e.file_name().to_string_lossy().contains(".part-"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// A page's HTML as the signed-in admin gets it.
    pub async fn page(&self, path: &str) -> String {
        let res = self.http.get(format!("{}{path}", self.url)).send().await.expect("GET");
        assert_eq!(res.status(), 200, "{path}");
        res.text().await.expect("page body")
    }

    /// A public page's HTML as a visitor (not signed in) gets it.
    pub async fn public_page(&self, path: &str) -> String {
        let res = self.anon.get(format!("{}{path}", self.url)).send().await.expect("GET");
        res.text().await.expect("page body")
    }
}

/// A real photograph from the shared corpus.
pub fn photo(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/bench-photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A small, complete PNG (8×6, a colour gradient) that processes to a ready image.
pub fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(8, 6, |x, y| image::Rgb([x as u8 * 30, y as u8 * 40, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode a PNG");
    out.into_inner()
}

/// PNG-signed bytes with no pixel data: passes the type check, fails processing.
pub fn broken_png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}

/// A file as the browser announces it: name, size, type and the SHA-256 of its bytes.
pub fn file_spec(name: &str, body: &[u8], content_type: &str) -> Value {
    json!({ "name": name, "size": body.len(), "content_type": content_type, "sha256": sha256_hex(body) })
}

pub fn sha256_hex(body: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}

/// The `x-amz-checksum-sha256` value of a body (base64 of the digest).
pub fn sha256_header(body: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body))
}

/// A real photograph padded to `size` bytes with JPEG comment segments (which
/// decoders skip): a valid image as big as needed, cheap to process.
pub fn padded_jpeg(size: usize) -> Vec<u8> {
    let photo = photo("Wine_by_Jakkub_Mede.jpg");
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&photo[..2]); // SOI
    let mut room = size - photo.len();
    let mut n = 0u32;
    while room > 0 {
        // A segment is its marker (2 bytes), its length field (2) and up to 65,533 bytes.
        let body = room.saturating_sub(4).min(65_533);
        if room < 4 + 1 {
            break;
        }
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((body + 2) as u16).to_be_bytes());
        out.extend((0..body).map(|i| (i as u32).wrapping_mul(2_654_435_761).wrapping_add(n) as u8 | 1));
        room -= body + 4;
        n += 1;
    }
    out.extend_from_slice(&photo[2..]);
    // A remainder too small for a segment goes after the end marker (decoders stop there).
    out.resize(size, 0);
    out
}
