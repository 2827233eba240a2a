//! Originals stay private behind a CDN. With `S3_PUBLIC_BASE_URL`, visitors'
//! pages load variants straight from `{base}/{key}`, and an original's key
//! differs from its variants' only in the file name (`original.jpg` beside
//! `w800-v1.webp`). Originals keep the camera's metadata, GPS included, so the
//! CDN (or the bucket policy behind it) must serve variants, `products/*/w*`,
//! and nothing else. Start-up proves it with a probe pair: it stores an
//! original and a variant under keys made like real ones, asks the public
//! base for both, and removes them.

use std::time::Duration;

use uuid::Uuid;

use super::{ObjectKey, Storage, StorageError};
use crate::validate::ImageType;

/// How long start-up waits for the public base to answer one probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the probes hold: a soft 404 page never matches it.
const PROBE_BODY: &[u8] = b"vitrine privacy probe";

/// What the public base showed.
#[derive(Debug, PartialEq, Eq)]
pub enum Exposure {
    /// Variants load and originals do not: as it should be.
    VariantsOnly,
    /// The public base serves originals (the URL that gave one away).
    OriginalsPublic(String),
    /// Originals are safe, but variants do not load either: pages show no images.
    NothingServed(String),
    /// The public base did not answer, so nothing is known (why).
    Unreachable(String),
}

impl Storage {
    /// Probes `S3_PUBLIC_BASE_URL`; `None` when there is none.
    pub async fn check_public_base(&self) -> Result<Option<Exposure>, StorageError> {
        let Some(base) = self.public_base.clone() else {
            return Ok(None);
        };
        let image = Uuid::new_v4();
        let original = ObjectKey::original(Uuid::nil(), image, ImageType::Jpeg);
        let variant = ObjectKey::variant(Uuid::nil(), image, 0, "webp", 1);
        let stored = match self.put(&original, "image/jpeg", PROBE_BODY.to_vec()).await {
            Ok(()) => self.put(&variant, "image/webp", PROBE_BODY.to_vec()).await,
            Err(e) => Err(e),
        };
        let exposure = match stored {
            Ok(()) => Ok(Some(probe(&base, &original, &variant).await)),
            Err(e) => Err(e),
        };
        for key in [&original, &variant] {
            if let Err(e) = self.delete(key).await {
                tracing::warn!(error = %e, key = key.as_str(), "could not remove a privacy probe");
            }
        }
        exposure
    }
}

/// Asks `base` for the probe original, then the probe variant.
async fn probe(base: &str, original: &ObjectKey, variant: &ObjectKey) -> Exposure {
    let client = match reqwest::Client::builder().timeout(PROBE_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => return Exposure::Unreachable(e.to_string()),
    };
    let fetch = |key: &ObjectKey| {
        let url = format!("{base}/{}", key.as_str());
        let request = client.get(&url).send();
        async move {
            let res = request.await.map_err(|e| format!("{url}: {e}"))?;
            let status = res.status();
            let body = res.bytes().await.map_err(|e| format!("{url}: {e}"))?;
            Ok::<_, String>((url, status, status.is_success() && body.as_ref() == PROBE_BODY))
        }
    };
    let (url, _, served) = match fetch(original).await {
        Ok(answer) => answer,
        Err(e) => return Exposure::Unreachable(e),
    };
    if served {
        return Exposure::OriginalsPublic(url);
    }
    match fetch(variant).await {
        Ok((_, _, true)) => Exposure::VariantsOnly,
        Ok((url, status, false)) => Exposure::NothingServed(format!("{url} answered {status}")),
        Err(e) => Exposure::Unreachable(e),
    }
}

impl Storage {
    /// Start-up's check: an error (the reason to refuse to start) when the
    /// public base serves originals; anything else is logged once.
    pub async fn refuse_public_originals(&self) -> Result<(), String> {
        match self.check_public_base().await {
            Ok(None) => {}
            Ok(Some(Exposure::VariantsOnly)) => {
                tracing::info!("S3_PUBLIC_BASE_URL serves variants and keeps originals private")
            }
            Ok(Some(Exposure::OriginalsPublic(url))) => {
                return Err(format!(
                    "S3_PUBLIC_BASE_URL serves originals ({url} gave away a probe original), and originals \
                     keep the camera's metadata, GPS included. Let the CDN, or the bucket policy behind it, \
                     serve variants only (keys matching products/*/w*): see the README, \"Privacy of originals\""
                ));
            }
            Ok(Some(Exposure::NothingServed(why))) => {
                tracing::warn!(%why, "S3_PUBLIC_BASE_URL did not serve a probe variant: visitors' pages will show no images")
            }
            Ok(Some(Exposure::Unreachable(why))) => {
                tracing::warn!(%why, "S3_PUBLIC_BASE_URL did not answer: whether it keeps originals private is unknown")
            }
            Err(e) => tracing::warn!(error = %e, "could not store the privacy probes for S3_PUBLIC_BASE_URL"),
        }
        Ok(())
    }
}
