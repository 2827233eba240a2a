//! Object storage behind one small type. Every call goes through aws-sdk-s3,
//! whether the endpoint is the embedded one or a real S3. Keys come only from
//! the named constructors on `ObjectKey` (`keys.rs`), so no user text ever
//! reaches a key.

mod conditional;
mod keys;
mod multipart;
mod presign;
mod privacy;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use aws_sdk_s3::{
    Client,
    config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation},
    error::SdkError,
    operation::get_object::{GetObjectError, GetObjectOutput},
    presigning::PresigningConfig,
    primitives::ByteStream,
};
pub use keys::ObjectKey;
pub use multipart::StoredPart;
pub use privacy::Exposure;

use crate::validate::Sha256Hex;

/// How long a presigned GET of an original (admin view) stays valid.
pub const ORIGINAL_VIEW_TTL: Duration = Duration::from_secs(15 * 60);

/// Presigned variant URLs live this long: an unpublished product's images stop
/// loading for visitors within this time (the page itself is gone at once)…
pub const VARIANT_URL_TTL: Duration = Duration::from_secs(3600);
/// …and are reused until this close to expiry, so pages (and browser caches) see stable URLs.
pub const URL_REUSE_MARGIN: Duration = Duration::from_secs(10 * 60);
/// Above this many cached URLs, expired ones are pruned.
const URL_CACHE_PRUNE_AT: usize = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("object not found")]
    NotFound,
    #[error("storage request failed: {0}")]
    Backend(String),
}

/// A failed call, counted by operation (`vitrine_storage_errors_total{op}`).
fn failed<E: std::error::Error>(op: &'static str) -> impl FnOnce(E) -> StorageError {
    move |e| {
        metrics::counter!(crate::server::metrics::STORAGE_ERRORS, "op" => op).increment(1);
        backend(e)
    }
}

fn backend<E: std::error::Error>(e: E) -> StorageError {
    // The SDK's Display is terse; the source chain says what actually failed.
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    StorageError::Backend(msg)
}

/// The value of `x-amz-checksum-sha256`: the digest's bytes in base64.
fn checksum_header(d: &Sha256Hex) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(d.bytes())
}

/// A presigned PUT: the URL and the headers that must go with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignedPut {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// What HEAD says about a stored object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
}

#[derive(Clone, Debug)]
pub struct Storage {
    client: Client,
    bucket: String,
    /// When set, variants are served from `{public_base}/{key}` (a CDN) instead of presigned URLs.
    public_base: Option<String>,
    presigner: presign::Presigner,
    /// The embedded s3s-fs store, which cannot list multipart uploads.
    lists_multiparts: bool,
    url_cache: Arc<Mutex<HashMap<String, (String, Instant)>>>,
}

impl Storage {
    /// `endpoint` must be the origin browsers reach: its host is part of every signature.
    pub fn new(endpoint: Option<&str>, region: &str, bucket: &str, key_id: &str, secret: &str) -> Self {
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new(key_id, secret, None, None, "vitrine-settings"))
            // Checksums would add headers the browser cannot reproduce (aws-sdk-rust#1253).
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
        if let Some(url) = endpoint {
            config = config.endpoint_url(url.trim_end_matches('/')).force_path_style(true);
        }
        Self {
            client: Client::from_conf(config.build()),
            bucket: bucket.to_string(),
            public_base: None,
            presigner: presign::Presigner::new(endpoint, region, bucket, key_id, secret),
            lists_multiparts: true,
            url_cache: Arc::default(),
        }
    }

    /// Marks the embedded store, whose s3s-fs backend has no ListMultipartUploads:
    /// the janitor's sweep of stale multipart uploads then asks nothing.
    pub fn embedded(mut self) -> Self {
        self.lists_multiparts = false;
        self
    }

    pub fn with_public_base(mut self, base: &str) -> Self {
        self.public_base = (!base.is_empty()).then(|| base.trim_end_matches('/').to_string());
        self
    }

    /// The object's URL behind `S3_PUBLIC_BASE_URL` (a CDN), when one is set.
    fn cdn_url(&self, key: &ObjectKey) -> Option<String> {
        self.public_base.as_ref().map(|base| format!("{base}/{}", key.as_str()))
    }

    /// The URL visitors' pages use for a variant: the CDN's when there is one,
    /// else the app's short, stable `/media/…` path (cacheable for good, since
    /// every processing run writes new keys). No presigning, so a page costs no
    /// signatures and its URLs stay the same from one visit to the next.
    pub fn visitor_url(&self, key: &ObjectKey) -> Option<String> {
        self.cdn_url(key).or_else(|| key.media_path())
    }

    /// A URL for a public rendition: the CDN's, or a presigned one reused while it stays fresh.
    pub async fn variant_url(&self, key: &ObjectKey, use_cache: bool) -> Result<String, StorageError> {
        if let Some(url) = self.cdn_url(key) {
            return Ok(url);
        }
        let now = Instant::now();
        if use_cache
            && let Some((url, expires)) = self.url_cache.lock().expect("url cache").get(key.as_str())
            && *expires > now + URL_REUSE_MARGIN
        {
            return Ok(url.clone());
        }
        let url = self.presign_get(key, VARIANT_URL_TTL).await?;
        let mut cache = self.url_cache.lock().expect("url cache");
        if cache.len() > URL_CACHE_PRUNE_AT {
            cache.retain(|_, (_, exp)| *exp > now + URL_REUSE_MARGIN);
        }
        cache.insert(key.as_str().to_string(), (url.clone(), now + VARIANT_URL_TTL));
        Ok(url)
    }

    /// Creates the bucket when it does not exist yet.
    pub async fn ensure_bucket(&self) -> Result<(), StorageError> {
        if self.ping().await.is_ok() {
            return Ok(());
        }
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(failed("ensure_bucket"))
    }

    /// A PUT URL bound to this key, this content type, exactly this many bytes,
    /// and `If-None-Match: *`: it creates the object once and never replaces it.
    /// With `sha256`, also to those bytes (`x-amz-checksum-sha256`, which the
    /// store verifies).
    pub fn presign_put(
        &self,
        key: &ObjectKey,
        content_type: &str,
        len: u64,
        sha256: Option<&Sha256Hex>,
        ttl: Duration,
    ) -> Result<PresignedPut, StorageError> {
        let mut headers = vec![("content-type", content_type.into()), ("if-none-match", "*".into())];
        if let Some(d) = sha256 {
            headers.push(("x-amz-checksum-sha256", checksum_header(d).into()));
        }
        self.presigner
            .put(
                key,
                presign::PutParts {
                    query: Vec::new(),
                    headers,
                    len,
                    ttl,
                },
            )
            .inspect_err(|_| {
                metrics::counter!(crate::server::metrics::STORAGE_ERRORS, "op" => "presign_put").increment(1);
            })
    }

    pub async fn presign_get(&self, key: &ObjectKey, ttl: Duration) -> Result<String, StorageError> {
        let cfg = PresigningConfig::expires_in(ttl).map_err(failed("presign_get"))?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(cfg)
            .await
            .map_err(failed("presign_get"))?;
        Ok(req.uri().to_string())
    }

    pub async fn head(&self, key: &ObjectKey) -> Result<ObjectInfo, StorageError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(out) => Ok(ObjectInfo {
                size: out.content_length().unwrap_or_default().max(0) as u64,
            }),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Err(StorageError::NotFound),
            Err(e) => Err(failed("head")(e)),
        }
    }

    /// The first `n` bytes of an object (for sniffing its real type) and its
    /// whole size, in one ranged GET (a HEAD and a GET were two round trips per
    /// upload). An empty object has no byte range to give: it is looked up.
    pub async fn read_start(&self, key: &ObjectKey, n: u64) -> Result<(Vec<u8>, u64), StorageError> {
        let out = match self.get_object(key, Some(format!("bytes=0-{}", n.max(1) - 1))).await {
            Ok(out) => out,
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => {
                return Ok((Vec::new(), self.head(key).await?.size));
            }
            Err(e) => return Err(get_failed(e)),
        };
        // "bytes 0-31/1234"; a store that ignored the range sends it all.
        let total = out.content_range().and_then(range_total);
        let mut bytes = out.body.collect().await.map_err(failed("get"))?.into_bytes().to_vec();
        let total = total.unwrap_or(bytes.len() as u64);
        bytes.truncate(n as usize);
        Ok((bytes, total))
    }

    /// A whole object (originals are at most the upload limit).
    pub async fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, StorageError> {
        let body = self.open(key).await?;
        Ok(body.collect().await.map_err(failed("get"))?.into_bytes().to_vec())
    }

    /// The object's body as a stream; a missing key is `NotFound`.
    async fn open(&self, key: &ObjectKey) -> Result<ByteStream, StorageError> {
        Ok(self.get_object(key, None).await.map_err(get_failed)?.body)
    }

    /// One GetObject, of the whole object or of a byte range.
    async fn get_object(
        &self,
        key: &ObjectKey,
        range: Option<String>,
    ) -> Result<GetObjectOutput, SdkError<GetObjectError>> {
        self.client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .set_range(range)
            .send()
            .await
    }

    pub async fn put(&self, key: &ObjectKey, content_type: &str, body: Vec<u8>) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(failed("put"))
    }

    /// Streams a file from disk into a new object (never the whole file in
    /// memory), written once (`If-None-Match: *`) and checked by the store
    /// against its SHA-256.
    pub async fn put_file(
        &self,
        key: &ObjectKey,
        content_type: &str,
        path: &std::path::Path,
        sha256: &Sha256Hex,
    ) -> Result<(), StorageError> {
        use base64::Engine as _;
        let body = ByteStream::from_path(path).await.map_err(failed("put_file"))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .if_none_match("*")
            .checksum_sha256(base64::engine::general_purpose::STANDARD.encode(sha256.bytes()))
            .body(body)
            .send()
            .await
            .map(|_| ())
            .map_err(failed("put_file"))
    }

    /// Deleting a missing object is not an error (S3 semantics).
    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map(|_| ())
            .map_err(failed("delete"))
    }

    /// Keys under a prefix (used by reconcile and by tests that prove deletion).
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut keys = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(failed("list"))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_string)));
        }
        Ok(keys)
    }

    /// Deletes every object under a prefix (an image's or a product's folder).
    pub async fn delete_prefix(&self, prefix: &str) -> Result<(), StorageError> {
        for key in self.list(prefix).await? {
            self.delete(&ObjectKey::from_stored(key)).await?;
        }
        Ok(())
    }

    /// Writes and removes a small object: whether the store takes writes now
    /// (a bucket that answers reads but refuses writes is not ready).
    pub async fn probe_write(&self) -> Result<(), StorageError> {
        let key = ObjectKey::health_probe();
        self.put(&key, "text/plain", b"ok".to_vec()).await?;
        self.delete(&key).await
    }

    pub async fn ping(&self) -> Result<(), StorageError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(failed("ping"))
    }
}

/// A failed GetObject: a missing key is `NotFound`.
fn get_failed(e: SdkError<GetObjectError>) -> StorageError {
    if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
        StorageError::NotFound
    } else {
        failed("get")(e)
    }
}

/// The full size in a `Content-Range` answer ("bytes 0-31/1234").
fn range_total(content_range: &str) -> Option<u64> {
    content_range.rsplit_once('/')?.1.trim().parse().ok()
}

#[cfg(test)]
mod range_tests {
    use super::range_total;

    #[test]
    fn the_total_comes_after_the_slash() {
        assert_eq!(range_total("bytes 0-31/1234"), Some(1234));
        assert_eq!(range_total("bytes 0-0/1"), Some(1));
        assert_eq!(range_total("bytes 0-31/*"), None);
        assert_eq!(range_total("garbage"), None);
    }
}
