//! `vitrine upload --product SLUG [--server URL] [--json] PATH…`: files and
//! folders (recursively), image files only, 4 at a time through presigned
//! URLs, a bar per file and one overall (speed, time left), retries with
//! backoff, files already in the gallery skipped with a note, a summary at
//! the end. Exit code 1 when anything failed.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{ApiClient, ClientError};
use crate::{model::FileSpec, validate::ImageType};

/// Files in flight at once.
pub const PARALLEL: usize = 4;
/// Tries per request before a file is reported failed.
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// A PUT may take this long (100 MiB at ≈ 1 MB/s).
const PUT_TIMEOUT: Duration = Duration::from_secs(120);
/// Progress is counted per chunk of the body.
const CHUNK: usize = 256 * 1024;
const EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "webp", "gif", "avif"];

pub const HELP: &str = "usage: vitrine upload --product SLUG [--server URL] [--json] PATH...
  Uploads image files and folders (recursively) to a product through a running server.
  --product SLUG   the product's slug or id
  --server URL     the server (default $VITRINE_SERVER, else http://127.0.0.1:3000)
  --json           print the summary as JSON
  The API token (write scope) comes from $VITRINE_TOKEN: `vitrine token create NAME`.
  Exit code 1 when any file failed.";

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub server: String,
    pub product: String,
    pub paths: Vec<PathBuf>,
    pub json: bool,
}

impl Options {
    pub fn parse(args: &[String], server_env: Option<String>) -> Result<Self, String> {
        let (mut product, mut server, mut json, mut paths) = (None, server_env, false, Vec::new());
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--product" => product = it.next().cloned(),
                "--server" => server = it.next().cloned(),
                "--json" => json = true,
                "-h" | "--help" => return Err(HELP.into()),
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}\n{HELP}")),
                path => paths.push(PathBuf::from(path)),
            }
        }
        let product = product.ok_or_else(|| format!("--product is required\n{HELP}"))?;
        if paths.is_empty() {
            return Err(format!("name at least one file or folder\n{HELP}"));
        }
        Ok(Self {
            server: server.unwrap_or_else(|| "http://127.0.0.1:3000".into()),
            product,
            paths,
            json,
        })
    }
}

/// What became of one file.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub path: String,
    /// `uploaded`, `skipped` or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub bytes: u64,
}

impl Outcome {
    fn skipped(path: &Path, reason: &str) -> Self {
        Self {
            path: path.display().to_string(),
            status: "skipped",
            image_id: None,
            reason: Some(reason.into()),
            bytes: 0,
        }
    }
    fn failed(path: &Path, reason: String) -> Self {
        Self {
            path: path.display().to_string(),
            status: "failed",
            image_id: None,
            reason: Some(reason),
            bytes: 0,
        }
    }
}

/// Image files under the paths (folders recursively, in name order), and notes for the rest.
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Outcome>) {
    let (mut files, mut notes) = (Vec::new(), Vec::new());
    let mut stack: Vec<PathBuf> = paths.iter().rev().cloned().collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(&p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    notes.push(Outcome::failed(&p, format!("cannot read the folder: {e}")));
                    continue;
                }
            };
            entries.sort();
            stack.extend(entries.into_iter().rev());
        } else if !p.exists() {
            notes.push(Outcome::failed(&p, "no such file or folder".into()));
        } else {
            let ext = p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if ext.is_some_and(|e| EXTENSIONS.contains(&e.as_str())) {
                files.push(p);
            } else {
                notes.push(Outcome::skipped(&p, "not an image file"));
            }
        }
    }
    (files, notes)
}

/// Runs `op` until it succeeds, fails for good, or runs out of attempts.
async fn with_retries<T, F, Fut>(mut op: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut wait = FIRST_BACKOFF;
    for attempt in 1.. {
        match op().await {
            Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            other => return other,
        }
    }
    unreachable!("the loop returns")
}

struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
}

impl Bars {
    fn new(total_bytes: u64, hidden: bool) -> Self {
        let multi = MultiProgress::with_draw_target(if hidden {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        });
        let total = multi.add(ProgressBar::new(total_bytes));
        total.set_style(
            ProgressStyle::with_template(
                "{msg:>24} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} · {eta} left",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        total.set_message("all files");
        Self { multi, total }
    }

    fn file(&self, name: &str, bytes: u64) -> ProgressBar {
        let bar = self.multi.insert_before(&self.total, ProgressBar::new(bytes));
        bar.set_style(
            ProgressStyle::with_template("{msg:>24} [{bar:30}] {bytes}/{total_bytes}")
                .expect("template")
                .progress_chars("=> "),
        );
        bar.set_message(name.chars().take(24).collect::<String>());
        bar
    }
}

/// The body of a PUT, counted onto both bars as it is sent.
fn counted_body(bytes: &bytes::Bytes, file: &ProgressBar, total: &ProgressBar) -> reqwest::Body {
    let chunks: Vec<bytes::Bytes> = (0..bytes.len())
        .step_by(CHUNK)
        .map(|at| bytes.slice(at..(at + CHUNK).min(bytes.len())))
        .collect();
    let (file, total) = (file.clone(), total.clone());
    file.set_position(0);
    reqwest::Body::wrap_stream(futures::stream::iter(chunks).map(move |c| {
        file.inc(c.len() as u64);
        total.inc(c.len() as u64);
        Ok::<_, std::io::Error>(c)
    }))
}

async fn upload_one(client: &ApiClient, product: Uuid, path: &Path, bars: &Bars) -> Outcome {
    let bytes = match tokio::fs::read(path).await {
        Ok(b) => bytes::Bytes::from(b),
        Err(e) => return Outcome::failed(path, format!("cannot read the file: {e}")),
    };
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let by_ext = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(|e| match e.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(ImageType::Jpeg),
            "png" => Some(ImageType::Png),
            "webp" => Some(ImageType::Webp),
            "gif" => Some(ImageType::Gif),
            "avif" => Some(ImageType::Avif),
            _ => None,
        });
    let ty = ImageType::sniff(&bytes[..bytes.len().min(16)])
        .or(by_ext)
        .unwrap_or(ImageType::Jpeg);
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let spec = FileSpec {
        name,
        size: bytes.len() as u64,
        content_type: ty.mime().into(),
        sha256: Some(sha),
        skip_if_present: true,
    };
    let batch = match with_retries(|| client.begin(product, std::slice::from_ref(&spec))).await {
        Ok(b) => b,
        Err(e) => return Outcome::failed(path, e.to_string()),
    };
    if let Some(f) = batch.failed.first() {
        return match f.kind {
            crate::model::FailureKind::Duplicate => Outcome::skipped(path, "already in this gallery"),
            _ => Outcome::failed(path, f.reason.clone()),
        };
    }
    let Some(mut ticket) = batch.successful.into_iter().next() else {
        return Outcome::failed(path, "the server gave no ticket".into());
    };
    let bar = bars.file(&spec.name, bytes.len() as u64);
    let put = with_retries(|| {
        let body = counted_body(&bytes, &bar, &bars.total);
        let ticket = ticket.clone();
        async move { client.put(&ticket, body, PUT_TIMEOUT).await }
    })
    .await;
    let put = match put {
        // An expired ticket: a fresh one, then once more.
        Err(ClientError::Problem { status: 403, .. }) => match client.renew(ticket.image_id).await {
            Ok(t) => {
                ticket = t;
                client
                    .put(&ticket, counted_body(&bytes, &bar, &bars.total), PUT_TIMEOUT)
                    .await
            }
            Err(e) => Err(e),
        },
        // `If-None-Match: *` refused a second write: an earlier try stored these bytes.
        Err(ClientError::Problem { status: 412, .. }) => Ok(()),
        other => other,
    };
    bar.finish_and_clear();
    if let Err(e) = put {
        return Outcome::failed(path, e.to_string());
    }
    match with_retries(|| client.complete(ticket.image_id)).await {
        // Storage holds the bytes, but the server's inspection refused them.
        Ok(image) if image.status == crate::model::ImageStatus::Failed => Outcome::failed(
            path,
            image.error.unwrap_or_else(|| "the server refused the file".into()),
        ),
        Ok(image) => Outcome {
            path: path.display().to_string(),
            status: "uploaded",
            image_id: Some(image.id),
            reason: None,
            bytes: bytes.len() as u64,
        },
        Err(e) => Outcome::failed(path, e.to_string()),
    }
}

/// Uploads everything; returns every file's outcome, in the order they were named.
pub async fn upload(client: &ApiClient, opts: &Options) -> Result<Vec<Outcome>, ClientError> {
    let product = client.product(&opts.product).await?;
    let (files, mut outcomes) = collect(&opts.paths);
    let total: u64 = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    let bars = Bars::new(total, opts.json);
    let done: Vec<Outcome> = futures::stream::iter(files.iter())
        .map(|f| upload_one(client, product.id, f, &bars))
        .buffered(PARALLEL)
        .collect()
        .await;
    bars.total.finish_and_clear();
    outcomes.extend(done);
    Ok(outcomes)
}

/// The summary as a person reads it.
pub fn summary(outcomes: &[Outcome], elapsed: Duration) -> String {
    let mut out = String::new();
    for o in outcomes {
        let what = o
            .image_id
            .map_or_else(|| o.reason.clone().unwrap_or_default(), |id| id.to_string());
        out.push_str(&format!("{:<9} {}  {}\n", o.status, o.path, what));
    }
    let count = |s: &str| outcomes.iter().filter(|o| o.status == s).count();
    let bytes: u64 = outcomes.iter().map(|o| o.bytes).sum();
    let mib = bytes as f64 / (1024.0 * 1024.0);
    out.push_str(&format!(
        "{} uploaded · {} skipped · {} failed · {mib:.1} MiB in {:.1} s ({:.1} MiB/s)\n",
        count("uploaded"),
        count("skipped"),
        count("failed"),
        elapsed.as_secs_f64(),
        mib / elapsed.as_secs_f64().max(0.001),
    ));
    out
}

/// `vitrine upload …`: prints the summary; `Ok(false)` when any file failed.
pub async fn run(args: &[String]) -> anyhow::Result<bool> {
    let opts = Options::parse(args, std::env::var("VITRINE_SERVER").ok()).map_err(anyhow::Error::msg)?;
    let token = std::env::var("VITRINE_TOKEN")
        .map_err(|_| anyhow::anyhow!("set VITRINE_TOKEN to an API token (vitrine token create NAME)"))?;
    let client = ApiClient::new(&opts.server, &token)?;
    let started = Instant::now();
    let outcomes = upload(&client, &opts).await?;
    if opts.json {
        let count = |s: &str| outcomes.iter().filter(|o| o.status == s).count();
        let report = serde_json::json!({
            "uploaded": count("uploaded"), "skipped": count("skipped"), "failed": count("failed"), "files": outcomes,
        });
        println!("{report}");
    } else {
        print!("{}", summary(&outcomes, started.elapsed()));
    }
    Ok(outcomes.iter().all(|o| o.status != "failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_need_a_product_and_a_path() {
        let o = Options::parse(&args(&["--product", "chair", "a.jpg", "dir", "--json"]), None).unwrap();
        assert_eq!(
            (o.product.as_str(), o.paths.len(), o.json, o.server.as_str()),
            ("chair", 2, true, "http://127.0.0.1:3000")
        );
        assert!(Options::parse(&args(&["a.jpg"]), None).is_err());
        assert!(Options::parse(&args(&["--product", "chair"]), None).is_err());
        assert!(Options::parse(&args(&["--product", "c", "--bogus", "a.jpg"]), None).is_err());
        let o = Options::parse(&args(&["--product", "c", "a.jpg"]), Some("https://shop.example".into())).unwrap();
        assert_eq!(o.server, "https://shop.example");
    }

    #[test]
    fn folders_are_walked_and_non_images_noted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        for f in ["a.JPG", "b/x.png", "b/c/y.webp", "b/notes.txt"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        let (files, notes) = collect(&[dir.path().to_path_buf(), dir.path().join("missing.jpg")]);
        let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["a.JPG", "y.webp", "x.png"]);
        let statuses: Vec<_> = notes.iter().map(|n| (n.status, n.reason.as_deref().unwrap())).collect();
        assert_eq!(
            statuses,
            [("skipped", "not an image file"), ("failed", "no such file or folder")]
        );
    }
}
