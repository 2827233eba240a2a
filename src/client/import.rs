//! `vitrine import FILE`: the legacy migration. An older catalogue's export
//! (CSV with a header row, or a JSON array) where each product has a `name`,
//! `slug`, `description` and one `picture` (a path relative to the export, or
//! an http(s) URL). Each row becomes a product (created, or matched by slug)
//! whose picture becomes its first image, and so its cover, through the same
//! presigned upload and processing as any other image. A picture that cannot
//! be read leaves the product in place and is reported; a product that already
//! has images is skipped, so running the import twice creates nothing twice.

use std::{path::Path, time::Duration};

use serde::{Deserialize, Serialize};

use super::{
    ApiClient, ClientError,
    upload::{Bars, Sent, send},
};
use crate::{
    model::ProductDto,
    validate::{ProductName, Slug},
};

/// Largest picture read (the upload limit of the server's default settings).
const MAX_PICTURE_BYTES: u64 = 100 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(120);

/// `vitrine import`'s arguments.
#[derive(clap::Args, Debug)]
pub struct Options {
    #[command(flatten)]
    pub remote: super::Remote,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The export: `.json` (an array of rows), else CSV with a header row
    /// (`name,slug,description,picture`).
    pub file: std::path::PathBuf,
}

/// One product of the export.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub picture: String,
}

/// What became of one row.
#[derive(Debug, Serialize)]
pub struct RowReport {
    /// 1-based, as a spreadsheet numbers data rows.
    pub row: usize,
    pub slug: String,
    /// `imported`, `missing-picture`, `skipped` (already imported) or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Reads the export's rows.
pub fn read_rows(path: &Path) -> anyhow::Result<Vec<Row>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        return Ok(serde_json::from_str(&text)?);
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| anyhow::anyhow!("row {}: {e}", i + 1)))
        .collect()
}

/// The picture's bytes and a file name for it.
async fn picture(http: &reqwest::Client, base: &Path, raw: &str) -> Result<(String, bytes::Bytes), String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("the row names no picture".into());
    }
    let name = raw.rsplit(['/', '\\']).next().unwrap_or(raw).to_string();
    if raw.starts_with("http://") || raw.starts_with("https://") {
        let mut res = http
            .get(raw)
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .map_err(|e| format!("cannot fetch {raw}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("fetching {raw} answered {}", res.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| format!("cannot fetch {raw}: {e}"))? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > MAX_PICTURE_BYTES {
                return Err(format!("{raw} is larger than 100 MiB"));
            }
        }
        let name = name.split(['?', '#']).next().unwrap_or_default().to_string();
        return Ok((if name.is_empty() { "picture".into() } else { name }, body.into()));
    }
    let path = base.join(raw);
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.len() > MAX_PICTURE_BYTES {
        return Err(format!("{} is larger than 100 MiB", path.display()));
    }
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok((name, bytes.into()))
}

/// The product the row names: found by slug, or created with its slug and description.
async fn product_for(client: &ApiClient, row: &Row, slug: &str) -> Result<(ProductDto, bool), ClientError> {
    match client.product(slug).await {
        Ok(p) => return Ok((p, false)),
        Err(ClientError::Problem { status: 404, .. }) => {}
        Err(e) => return Err(e),
    }
    let created = client.create_product(&row.name).await?;
    let changes = serde_json::json!({ "slug": slug, "description": row.description });
    match client.update_product(created.id, &changes).await {
        Ok(p) => Ok((p, true)),
        Err(e) => {
            // Half a product would be matched by nothing next time: take it back.
            let _ = client.delete_product(created.id).await;
            Err(e)
        }
    }
}

async fn import_row(
    client: &ApiClient,
    http: &reqwest::Client,
    base: &Path,
    n: usize,
    row: &Row,
    bars: &Bars,
) -> RowReport {
    let report = |slug: &str, status, reason: Option<String>| RowReport {
        row: n,
        slug: slug.to_string(),
        status,
        reason,
    };
    let slug = if row.slug.trim().is_empty() {
        ProductName::parse(&row.name).map(|n| n.slug().as_str().to_string())
    } else {
        Slug::parse(&row.slug).map(|s| s.as_str().to_string())
    };
    let slug = match slug {
        Ok(s) => s,
        Err(e) => return report(&row.slug, "failed", Some(e)),
    };
    let product = match product_for(client, row, &slug).await {
        Ok((p, _)) if p.image_count > 0 => return report(&slug, "skipped", Some("already imported".into())),
        Ok((p, _)) => p,
        Err(e) => return report(&slug, "failed", Some(e.to_string())),
    };
    let (name, bytes) = match picture(http, base, &row.picture).await {
        Ok(p) => p,
        Err(e) => return report(&slug, "missing-picture", Some(e)),
    };
    match send(client, product.id, &name, &bytes, bars).await {
        Sent::Uploaded(_) | Sent::Duplicate => report(&slug, "imported", None),
        Sent::Failed(e) => report(&slug, "missing-picture", Some(format!("the picture was refused: {e}"))),
    }
}

/// Imports every row, one after the other (so a slug named twice is matched, not made twice).
pub async fn import(client: &ApiClient, file: &Path) -> anyhow::Result<Vec<RowReport>> {
    let rows = read_rows(file)?;
    let base = file.parent().unwrap_or(Path::new("."));
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()?;
    // One picture per row: the report says more than bars would.
    let bars = Bars::new(0, true);
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        out.push(import_row(client, &http, base, i + 1, row, &bars).await);
    }
    Ok(out)
}

/// The report as a person reads it: a line per row that needs a look, then the counts.
pub fn summary(rows: &[RowReport]) -> String {
    let mut out = String::new();
    for r in rows.iter().filter(|r| r.status != "imported") {
        let reason = r.reason.as_deref().unwrap_or_default();
        out.push_str(&format!("{:<16} row {:<5} {}  {}\n", r.status, r.row, r.slug, reason));
    }
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    out.push_str(&format!(
        "{} imported · {} missing picture · {} already imported · {} failed\n",
        count("imported"),
        count("missing-picture"),
        count("skipped"),
        count("failed"),
    ));
    out
}

/// `vitrine import FILE`: prints the report; `Ok(false)` when a row failed outright.
pub async fn run(opts: &Options) -> anyhow::Result<bool> {
    let client = opts.remote.client()?;
    let rows = import(&client, &opts.file).await?;
    if opts.json {
        println!("{}", serde_json::json!({ "rows": rows }));
    } else {
        print!("{}", summary(&rows));
    }
    Ok(rows.iter().all(|r| r.status != "failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_exports_read_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("export.csv");
        std::fs::write(
            &csv,
            "name,slug,description,picture\n\"Oak chair, tall\",oak-chair,\"Solid \"\"oak\"\"\",img/a.jpg\nLamp,,,\n",
        )
        .unwrap();
        let json = dir.path().join("export.json");
        std::fs::write(
            &json,
            r#"[{"name":"Oak chair, tall","slug":"oak-chair","description":"Solid \"oak\"","picture":"img/a.jpg"},{"name":"Lamp"}]"#,
        )
        .unwrap();
        let rows = read_rows(&csv).unwrap();
        assert_eq!(rows, read_rows(&json).unwrap());
        assert_eq!(rows[0].description, "Solid \"oak\"");
        assert_eq!(rows[1].picture, "");
        std::fs::write(&csv, "name,slug\na,b,c\n").unwrap();
        assert!(read_rows(&csv).is_err());
    }

    #[test]
    fn the_summary_counts_each_kind() {
        let r = |status| RowReport {
            row: 1,
            slug: "s".into(),
            status,
            reason: None,
        };
        let text = summary(&[r("imported"), r("missing-picture"), r("skipped"), r("skipped")]);
        assert!(
            text.ends_with("1 imported · 1 missing picture · 2 already imported · 0 failed\n"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 4);
    }
}
