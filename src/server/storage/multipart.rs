//! S3 multipart uploads for big originals: created by the server, parts PUT by
//! the browser through URLs that bind each part's number, length and SHA-256,
//! listed and completed by the server (never on the client's word), aborted on
//! cancel and by the janitor.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use sha2::Digest as _;

use super::{ObjectKey, PresignedPut, Storage, StorageError, checksum_header, failed, presign};
use crate::validate::Sha256Hex;

/// One part as the store holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPart {
    pub number: u32,
    pub size: u64,
    pub etag: Option<String>,
    pub sha256: Option<String>,
}

impl Storage {
    /// Starts a multipart upload of an original; parts must carry their SHA-256.
    pub async fn create_multipart(&self, key: &ObjectKey, content_type: &str) -> Result<String, StorageError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .map_err(failed("create_multipart"))?;
        out.upload_id()
            .map(str::to_string)
            .ok_or_else(|| StorageError::Backend("the store gave no upload id".into()))
    }

    /// A PUT URL for one part: its number, exactly `len` bytes, and those bytes.
    pub fn presign_part(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        number: u32,
        len: u64,
        sha256: &Sha256Hex,
        ttl: Duration,
    ) -> Result<PresignedPut, StorageError> {
        self.presigner.put(
            key,
            presign::PutParts {
                query: vec![
                    ("partNumber", number.to_string().into()),
                    ("uploadId", upload_id.into()),
                ],
                headers: vec![("x-amz-checksum-sha256", checksum_header(sha256).into())],
                len,
                ttl,
            },
        )
    }

    /// The parts stored so far, in part order. An upload the store no longer
    /// knows (completed, aborted, expired) is `NotFound`.
    pub async fn list_parts(&self, key: &ObjectKey, upload_id: &str) -> Result<Vec<StoredPart>, StorageError> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(key.as_str())
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .send()
                .await
                .map_err(|e| {
                    if e.as_service_error()
                        .is_some_and(|s| s.meta().code() == Some("NoSuchUpload"))
                    {
                        StorageError::NotFound
                    } else {
                        failed("list_parts")(e)
                    }
                })?;
            parts.extend(out.parts().iter().filter_map(|p| {
                Some(StoredPart {
                    number: u32::try_from(p.part_number()?).ok()?,
                    size: u64::try_from(p.size()?).ok()?,
                    etag: p.e_tag().map(str::to_string),
                    sha256: p.checksum_sha256().map(str::to_string),
                })
            }));
            match (out.is_truncated(), out.next_part_number_marker()) {
                (Some(true), Some(next)) => marker = Some(next.to_string()),
                _ => break,
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// Joins the parts into the object, once (`If-None-Match: *`).
    pub async fn complete_multipart(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        parts: &[StoredPart],
    ) -> Result<(), StorageError> {
        let completed = parts
            .iter()
            .map(|p| {
                CompletedPart::builder()
                    .part_number(p.number as i32)
                    .set_e_tag(p.etag.clone())
                    .set_checksum_sha256(p.sha256.clone())
                    .build()
            })
            .collect();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .if_none_match("*")
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed)).build())
            .send()
            .await
            .map(|_| ())
            .map_err(failed("complete_multipart"))
    }

    /// Drops an unfinished upload and its parts; one the store no longer knows is fine.
    pub async fn abort_multipart(&self, key: &ObjectKey, upload_id: &str) -> Result<(), StorageError> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_upload()) => Ok(()),
            Err(e) => Err(failed("abort_multipart")(e)),
        }
    }

    /// Multipart uploads under `prefix` started before `before` (the janitor
    /// aborts them). A store without the listing answers an empty list.
    pub async fn multiparts_before(
        &self,
        prefix: &str,
        before: SystemTime,
    ) -> Result<Vec<(ObjectKey, String)>, StorageError> {
        if !self.lists_multiparts {
            return Ok(Vec::new());
        }
        let out = match self
            .client
            .list_multipart_uploads()
            .bucket(&self.bucket)
            .prefix(prefix)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.meta().code() == Some("NotImplemented")) =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(failed("list_multipart_uploads")(e)),
        };
        Ok(out
            .uploads()
            .iter()
            .filter(|u| {
                u.initiated()
                    .and_then(|t| SystemTime::try_from(*t).ok())
                    .is_some_and(|t| t < before)
            })
            .filter_map(|u| Some((ObjectKey::from_stored(u.key()?.to_string()), u.upload_id()?.to_string())))
            .collect())
    }

    /// The SHA-256 of a stored object, streamed (never the whole object in memory).
    pub async fn sha256_of(&self, key: &ObjectKey) -> Result<Sha256Hex, StorageError> {
        let mut body = self.open(key).await?;
        let mut hasher = sha2::Sha256::new();
        while let Some(chunk) = body.try_next().await.map_err(failed("get"))? {
            hasher.update(&chunk);
        }
        Ok(Sha256Hex::from_digest(hasher.finalize().into()))
    }
}
