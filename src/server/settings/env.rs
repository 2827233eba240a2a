//! The environment variables that override `Leptos.toml`, as data: one row
//! per variable, saying where its value goes.

use anyhow::Result;

use super::{Secret, Settings};

type Apply = fn(&mut Settings, String) -> Result<()>;

fn num<T: std::str::FromStr>(v: &str) -> Result<T> {
    v.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("expected a whole number, got {v:?}"))
}

fn yes(v: &str) -> bool {
    matches!(v.trim(), "1" | "true" | "yes")
}

/// Every environment variable that overrides a setting, and where it goes.
pub(super) const ENV: &[(&str, Apply)] = &[
    ("VITRINE_BIND", |s, v| {
        s.bind = v;
        Ok(())
    }),
    ("VITRINE_PUBLIC_URL", |s, v| {
        s.public_url = v;
        Ok(())
    }),
    ("VITRINE_DATA_DIR", |s, v| {
        s.data_dir = v.into();
        Ok(())
    }),
    ("DATABASE_URL", |s, v| {
        s.database_url = Secret::new(v);
        Ok(())
    }),
    ("VITRINE_RUN_WORKER", |s, v| {
        s.run_worker = yes(&v);
        Ok(())
    }),
    ("VITRINE_ADMIN_EMAIL", |s, v| {
        s.admin_email = v;
        Ok(())
    }),
    ("VITRINE_ADMIN_PASSWORD", |s, v| {
        s.admin_password = Secret::new(v);
        Ok(())
    }),
    ("VITRINE_METRICS_TOKEN", |s, v| {
        s.metrics_token = Secret::new(v);
        Ok(())
    }),
    ("VITRINE_METRICS_BIND", |s, v| {
        s.metrics_bind = v;
        Ok(())
    }),
    ("VITRINE_SITE_ROOT", |s, v| {
        s.site_root = v;
        Ok(())
    }),
    ("S3_PUBLIC_BASE_URL", |s, v| {
        s.s3.public_base_url = v;
        Ok(())
    }),
    ("S3_ENDPOINT", |s, v| {
        s.s3.endpoint = v;
        Ok(())
    }),
    ("S3_BUCKET", |s, v| {
        s.s3.bucket = v;
        Ok(())
    }),
    ("S3_REGION", |s, v| {
        s.s3.region = v;
        Ok(())
    }),
    ("S3_ACCESS_KEY_ID", |s, v| {
        s.s3.access_key_id = v;
        Ok(())
    }),
    ("S3_SECRET_ACCESS_KEY", |s, v| {
        s.s3.secret_access_key = Secret::new(v);
        Ok(())
    }),
    ("VITRINE_MAX_FILE_BYTES", |s, v| {
        s.uploads.max_file_bytes = num(&v)?;
        Ok(())
    }),
    ("VITRINE_MAX_FILES_PER_BATCH", |s, v| {
        s.uploads.max_files_per_batch = num(&v)?;
        Ok(())
    }),
    ("VITRINE_PRESIGN_TTL_SECS", |s, v| {
        s.uploads.presign_ttl_secs = num(&v)?;
        Ok(())
    }),
    ("VITRINE_MAX_PIXELS", |s, v| {
        s.processing.max_pixels = num(&v)?;
        Ok(())
    }),
    ("VITRINE_MAX_SIDE", |s, v| {
        s.processing.max_side = num(&v)?;
        Ok(())
    }),
    ("VITRINE_AVIF", |s, v| {
        s.processing.avif = yes(&v);
        Ok(())
    }),
    ("VITRINE_CONCURRENCY", |s, v| {
        s.processing.concurrency = num(&v)?;
        Ok(())
    }),
];
