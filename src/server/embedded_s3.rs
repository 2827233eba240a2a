//! The embedded S3 endpoint (s3s + s3s-fs) mounted on the app's own origin,
//! so the zero-setup install speaks the same protocol as production and the
//! browser can PUT to it without CORS. Signatures are always checked.

use std::{convert::Infallible, path::Path};

use anyhow::{Context, Result};
use axum::{Router, body::Body, extract::Request, response::Response};
use rand::{Rng, distributions::Alphanumeric};
use s3s::{auth::SimpleAuth, service::S3ServiceBuilder};
use tower::service_fn;

use super::{
    s3_guard::{self, Verdict, WriteGate},
    settings::Secret,
};

/// Where the embedded endpoint keeps its objects, under the data folder.
pub const OBJECTS_DIR: &str = "objects";
const CREDENTIALS_FILE: &str = "s3-credentials";

/// Access key and secret of the embedded endpoint: made once, kept in the data folder.
pub fn load_or_create_credentials(data_dir: &Path) -> Result<(String, Secret)> {
    let path = data_dir.join(CREDENTIALS_FILE);
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Some((id, secret)) = text.trim().split_once(':')
    {
        return Ok((id.to_string(), Secret::new(secret)));
    }
    let (id, secret) = (
        format!("VITRINE{}", random_string(13).to_uppercase()),
        random_string(40),
    );
    write_private(&path, &format!("{id}:{secret}\n")).with_context(|| format!("cannot write {}", path.display()))?;
    Ok((id, Secret::new(secret)))
}

/// Letters and digits from the OS-seeded thread RNG.
pub fn random_string(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// Writes a file only its owner can read.
#[cfg(unix)]
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Objects are served as stored: a browser must not guess another type from their bytes.
fn nosniff(mut res: Response) -> Response {
    res.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    res
}

/// Routes `/{bucket}` and `/{bucket}/{*key}` to the S3 service; the paths stay
/// untouched because s3s has no base path and the signature covers them.
pub fn router<S: Clone + Send + Sync + 'static>(
    data_dir: &Path,
    bucket: &str,
    key_id: &str,
    secret: &Secret,
    gate: WriteGate,
) -> Result<Router<S>> {
    let root = data_dir.join(OBJECTS_DIR);
    // s3s-fs keeps a bucket as a folder; making it here means the bucket always exists.
    std::fs::create_dir_all(root.join(bucket)).with_context(|| format!("cannot create {}", root.display()))?;
    let fs = s3s_fs::FileSystem::new(&root)
        .map_err(|e| anyhow::anyhow!("embedded S3 cannot use {}: {e:?}", root.display()))?;
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(key_id, secret.expose()));
    let s3 = builder.build();

    // axum needs an infallible service; an s3s transport error becomes a 500.
    let bucket_dir = root.join(bucket);
    let svc = service_fn(move |req: Request| {
        let (s3, gate, bucket_dir) = (s3.clone(), gate.clone(), bucket_dir.clone());
        async move {
            let mut upload_key = None;
            let refusal = match s3_guard::judge(&req) {
                Verdict::Pass => None,
                Verdict::Refuse(r) => Some(r),
                Verdict::AskGate(key) => {
                    upload_key = Some(key.clone());
                    s3_guard::ask(&gate, key).await
                }
            };
            if let Some(refusal) = refusal {
                return Ok::<_, Infallible>(nosniff(refusal));
            }
            let req = req.map(s3s::Body::http_body_unsync);
            let res = match s3.call(req).await {
                Ok(res) => {
                    // Bad signatures and expired URLs: counted, not logged one line each.
                    if res.status().is_client_error() {
                        s3_guard::REFUSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    } else if res.status().is_server_error() {
                        tracing::warn!(status = %res.status(), "embedded S3 answered with an error");
                    }
                    // s3s-fs 0.14 stores the body before it compares the checksum, and leaves
                    // it there when it answers BadDigest (400): remove what it refused.
                    if res.status() == http::StatusCode::BAD_REQUEST
                        && let Some(key) = upload_key
                    {
                        let _ = tokio::fs::remove_file(bucket_dir.join(key)).await;
                    }
                    res.map(Body::new)
                }
                Err(e) => {
                    tracing::error!(error = ?e, "embedded S3 failed");
                    Response::builder()
                        .status(500)
                        .body(Body::from("storage error"))
                        .expect("static response")
                }
            };
            Ok(nosniff(res))
        }
    });
    Ok(Router::new()
        .route_service(&format!("/{bucket}"), svc.clone())
        .route_service(&format!("/{bucket}/"), svc.clone())
        .route_service(&format!("/{bucket}/{{*key}}"), svc))
}
