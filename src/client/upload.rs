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

/// `vitrine upload`'s arguments.
#[derive(clap::Args, Debug)]
pub struct Options {
    #[command(flatten)]
    pub remote: super::Remote,
    /// The product's slug or id.
    #[arg(long)]
    pub product: String,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Image files and folders (folders are walked recursively; other files are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
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

/// A bar per file in flight and one for everything.
pub struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
}

impl Bars {
    pub fn new(total_bytes: u64, hidden: bool) -> Self {
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

/// What became of one body sent through the presigned flow.
pub enum Sent {
    Uploaded(Uuid),
    /// The same bytes are already in the gallery.
    Duplicate,
    Failed(String),
}

/// The file type: what the bytes say, else the name's extension.
fn image_type(name: &str, bytes: &[u8]) -> ImageType {
    let by_ext =
        Path::new(name)
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
    ImageType::sniff(&bytes[..bytes.len().min(16)])
        .or(by_ext)
        .unwrap_or(ImageType::Jpeg)
}

/// Begin, PUT (renewing an expired ticket once), complete: one file's whole flow.
pub async fn send(client: &ApiClient, product: Uuid, name: &str, bytes: &bytes::Bytes, bars: &Bars) -> Sent {
    let sha = crate::validate::Sha256Hex::from_digest(Sha256::digest(bytes).into());
    let spec = FileSpec {
        name: name.to_string(),
        size: bytes.len() as u64,
        content_type: image_type(name, bytes).mime().into(),
        sha256: Some(sha.as_str().to_string()),
        skip_if_present: true,
        in_parts: false,
    };
    let batch = match with_retries(|| client.begin(product, std::slice::from_ref(&spec))).await {
        Ok(b) => b,
        Err(e) => return Sent::Failed(e.to_string()),
    };
    if let Some(f) = batch.failed.first() {
        return match f.kind {
            crate::model::FailureKind::Duplicate => Sent::Duplicate,
            _ => Sent::Failed(f.reason.clone()),
        };
    }
    let Some(mut ticket) = batch.successful.into_iter().next() else {
        return Sent::Failed("the server gave no ticket".into());
    };
    let bar = bars.file(&spec.name, bytes.len() as u64);
    let put = with_retries(|| {
        let body = counted_body(bytes, &bar, &bars.total);
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
                    .put(&ticket, counted_body(bytes, &bar, &bars.total), PUT_TIMEOUT)
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
        return Sent::Failed(e.to_string());
    }
    match with_retries(|| client.complete(ticket.image_id)).await {
        // Storage holds the bytes, but the server's inspection refused them.
        Ok(image) if image.status == crate::model::ImageStatus::Failed => {
            Sent::Failed(image.error.unwrap_or_else(|| "the server refused the file".into()))
        }
        Ok(image) => Sent::Uploaded(image.id),
        Err(e) => Sent::Failed(e.to_string()),
    }
}

async fn upload_one(client: &ApiClient, product: Uuid, path: &Path, bars: &Bars) -> Outcome {
    let bytes = match tokio::fs::read(path).await {
        Ok(b) => bytes::Bytes::from(b),
        Err(e) => return Outcome::failed(path, format!("cannot read the file: {e}")),
    };
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    match send(client, product, &name, &bytes, bars).await {
        Sent::Uploaded(id) => Outcome {
            path: path.display().to_string(),
            status: "uploaded",
            image_id: Some(id),
            reason: None,
            bytes: bytes.len() as u64,
        },
        Sent::Duplicate => Outcome::skipped(path, "already in this gallery"),
        Sent::Failed(reason) => Outcome::failed(path, reason),
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
    let secs = elapsed.as_secs_f64();
    // Short runs keep two decimals ("0.04 s", not "0.0 s").
    let took = if secs < 10.0 {
        format!("{secs:.2}")
    } else {
        format!("{secs:.1}")
    };
    out.push_str(&format!(
        "{} uploaded · {} skipped · {} failed · {mib:.1} MiB in {took} s ({:.1} MiB/s)\n",
        count("uploaded"),
        count("skipped"),
        count("failed"),
        mib / secs.max(0.001),
    ));
    out
}

/// `vitrine upload …`: prints the summary; `Ok(false)` when any file failed.
pub async fn run(opts: &Options) -> anyhow::Result<bool> {
    let client = opts.remote.client()?;
    let started = Instant::now();
    let outcomes = upload(&client, opts).await?;
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

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        o: Options,
    }

    fn parse(a: &[&str]) -> Result<Options, clap::Error> {
        use clap::Parser;
        Cli::try_parse_from(std::iter::once("upload").chain(a.iter().copied())).map(|c| c.o)
    }

    #[test]
    fn options_need_a_product_and_a_path() {
        let o = parse(&[
            "--product",
            "chair",
            "a.jpg",
            "dir",
            "--json",
            "--server",
            "https://shop.example",
        ])
        .unwrap();
        assert_eq!(
            (o.product.as_str(), o.paths.len(), o.json, o.remote.server.as_str()),
            ("chair", 2, true, "https://shop.example")
        );
        assert!(parse(&["a.jpg"]).is_err());
        assert!(parse(&["--product", "chair"]).is_err());
        assert!(parse(&["--product", "c", "--bogus", "a.jpg"]).is_err());
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
