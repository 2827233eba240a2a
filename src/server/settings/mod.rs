//! Typed settings, loaded once at start-up from `Leptos.toml` and the
//! environment. A bad value stops start-up with a message naming the key.

mod env;

use std::{fmt, net::SocketAddr, path::PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::validate::{MAX_FILE_BYTES, MAX_FILES_PER_BATCH};

/// Longest presigned-URL lifetime we allow; the spec wants them short.
pub const MAX_PRESIGN_TTL_SECS: u64 = 3600;

/// A secret string: it prints as `***` and cannot be serialized.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub bind: String,
    #[serde(default)]
    pub public_url: String,
    pub data_dir: PathBuf,
    #[serde(default)]
    pub database_url: Secret,
    pub site_root: String,
    pub run_worker: bool,
    #[serde(default)]
    pub admin_email: String,
    #[serde(default)]
    pub admin_password: Secret,
    /// The bearer token `/metrics` wants; without one, `/metrics` is off (404).
    #[serde(default)]
    pub metrics_token: Secret,
    /// Where a standalone `vitrine worker` serves `/metrics` (empty: it serves none).
    #[serde(default)]
    pub metrics_bind: String,
    pub s3: S3Settings,
    pub processing: ProcessingSettings,
    pub uploads: UploadSettings,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingSettings {
    pub max_pixels: u64,
    pub max_side: u32,
    /// Images processed at a time; 0 means one per CPU core.
    #[serde(default)]
    pub concurrency: usize,
    /// Also make AVIF variants (smaller files, slower to make).
    #[serde(default)]
    pub avif: bool,
}

/// More parallel jobs than this only adds memory (each holds a decoded image).
pub const MAX_CONCURRENCY: usize = 64;

impl ProcessingSettings {
    /// The number of jobs to run at a time.
    pub fn workers(&self) -> usize {
        match self.concurrency {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    #[serde(default)]
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    #[serde(default)]
    pub public_base_url: String,
    #[serde(default)]
    pub access_key_id: String,
    #[serde(default)]
    pub secret_access_key: Secret,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadSettings {
    pub max_file_bytes: u64,
    pub max_files_per_batch: usize,
    pub presign_ttl_secs: u64,
}

impl Settings {
    /// Reads `Leptos.toml` (or `VITRINE_CONFIG`), then applies environment overrides.
    pub fn load() -> Result<Self> {
        let path = std::env::var("VITRINE_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read settings file {path}"))?;
        let mut s = Self::from_toml(&text).with_context(|| format!("invalid settings in {path}"))?;
        s.apply_env(|k| std::env::var(k).ok())?;
        s.check()?;
        Ok(s)
    }

    pub fn from_toml(text: &str) -> Result<Self> {
        Ok(toml::from_str(text)?)
    }

    /// Applies overrides from a lookup function (the environment, or a test's map).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        for (key, apply) in env::ENV {
            if let Some(v) = get(key) {
                apply(self, v).with_context(|| format!("{key} is not valid"))?;
            }
        }
        Ok(())
    }

    /// Fails fast, naming the key, on values that cannot work.
    pub fn check(&self) -> Result<()> {
        self.bind
            .parse::<SocketAddr>()
            .with_context(|| format!("bind must be host:port, got {:?}", self.bind))?;
        if !self.public_url.is_empty() && !self.public_url.starts_with("http") {
            bail!(
                "public_url must start with http:// or https://, got {:?}",
                self.public_url
            );
        }
        let b = &self.s3.bucket;
        if b.len() < 3
            || b.len() > 63
            || !b
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            bail!("s3.bucket must be 3-63 lower-case letters, digits or dashes, got {b:?}");
        }
        if ["api", "pkg", "admin", "p", "login"].contains(&b.as_str()) {
            bail!("s3.bucket {b:?} collides with one of the app's own paths");
        }
        if !self.s3.endpoint.is_empty() && (self.s3.access_key_id.is_empty() || self.s3.secret_access_key.is_empty()) {
            bail!("S3_ENDPOINT is set, so S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required");
        }
        let p = &self.processing;
        if p.max_pixels == 0 || p.max_pixels > crate::imaging::MAX_PIXELS {
            bail!(
                "processing.max_pixels must be between 1 and {}",
                crate::imaging::MAX_PIXELS
            );
        }
        if p.max_side == 0 || p.max_side > crate::imaging::MAX_SIDE {
            bail!("processing.max_side must be between 1 and {}", crate::imaging::MAX_SIDE);
        }
        if p.concurrency > MAX_CONCURRENCY {
            bail!("processing.concurrency must be between 0 (one per core) and {MAX_CONCURRENCY}");
        }
        let u = &self.uploads;
        if u.max_file_bytes == 0 || u.max_file_bytes > MAX_FILE_BYTES {
            bail!("uploads.max_file_bytes must be between 1 and {MAX_FILE_BYTES}");
        }
        if u.max_files_per_batch == 0 || u.max_files_per_batch > MAX_FILES_PER_BATCH {
            bail!("uploads.max_files_per_batch must be between 1 and {MAX_FILES_PER_BATCH}");
        }
        if u.presign_ttl_secs == 0 || u.presign_ttl_secs > MAX_PRESIGN_TTL_SECS {
            bail!("uploads.presign_ttl_secs must be between 1 and {MAX_PRESIGN_TTL_SECS}");
        }
        Ok(())
    }

    pub fn embedded_s3(&self) -> bool {
        self.s3.endpoint.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Settings {
        Settings::from_toml(include_str!("../../../Leptos.toml")).expect("Leptos.toml parses")
    }

    #[test]
    fn shipped_settings_are_valid() {
        let s = shipped();
        s.check().unwrap();
        assert!(s.embedded_s3());
    }

    #[test]
    fn env_overrides_win_and_bad_numbers_name_their_key() {
        let mut s = shipped();
        s.apply_env(|k| (k == "S3_BUCKET").then(|| "other-bucket".to_string()))
            .unwrap();
        assert_eq!(s.s3.bucket, "other-bucket");
        let err = s
            .apply_env(|k| (k == "VITRINE_PRESIGN_TTL_SECS").then(|| "soon".into()))
            .unwrap_err();
        assert!(err.to_string().contains("VITRINE_PRESIGN_TTL_SECS"));
        s.apply_env(|k| (k == "VITRINE_CONCURRENCY").then(|| "3".into()))
            .unwrap();
        assert_eq!(s.processing.workers(), 3);
        s.processing.concurrency = 0;
        assert!(s.processing.workers() >= 1, "0 means one per core");
    }

    #[test]
    fn impossible_values_fail_fast() {
        let mut s = shipped();
        s.uploads.presign_ttl_secs = 86_400;
        assert!(s.check().unwrap_err().to_string().contains("presign_ttl_secs"));
        let mut s = shipped();
        s.processing.max_pixels = 200_000_000;
        assert!(
            s.check().unwrap_err().to_string().contains("max_pixels"),
            "settings may lower limits, never raise them"
        );
        let mut s = shipped();
        s.processing.concurrency = 1000;
        assert!(s.check().unwrap_err().to_string().contains("concurrency"));
        let mut s = shipped();
        s.s3.bucket = "api".into();
        assert!(s.check().is_err());
        let mut s = shipped();
        s.s3.endpoint = "https://s3.example".into();
        assert!(s.check().unwrap_err().to_string().contains("S3_ACCESS_KEY_ID"));
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }
}
