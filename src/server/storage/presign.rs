//! Presigned upload URLs, signed with `aws-sigv4` (the signer inside
//! aws-sdk-s3) without going through the SDK's request pipeline. Presigning a
//! PUT through the SDK builds a whole operation (config layers, interceptors,
//! endpoint resolution) per URL: ≈ 100 µs, which made a 100-file
//! `begin_upload` spend most of its time signing. Here a URL is the canonical
//! request and one HMAC chain: a few µs. What is signed is the same: method,
//! path, the query, and every header the PUT must send.

use std::{borrow::Cow, time::Duration, time::SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::{
    http_request::{
        PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        UriPathNormalizationMode, sign,
    },
    sign::v4,
};
use aws_smithy_runtime_api::client::identity::Identity;

use super::{ObjectKey, PresignedPut, StorageError};

/// SigV4 leaves only the unreserved characters as they are.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Signs URLs for one bucket with one key pair.
#[derive(Clone, Debug)]
pub(super) struct Presigner {
    identity: Identity,
    region: String,
    /// Everything before the key: `{endpoint}/{bucket}` (path style) or the
    /// bucket's virtual host on AWS.
    base: String,
}

/// What one upload URL binds besides the key.
pub(super) struct PutParts<'a> {
    /// `partNumber` and `uploadId` for a part of a multipart upload.
    pub query: Vec<(&'static str, Cow<'a, str>)>,
    /// Headers the PUT must send as they are.
    pub headers: Vec<(&'static str, Cow<'a, str>)>,
    pub len: u64,
    pub ttl: Duration,
}

impl Presigner {
    pub(super) fn new(endpoint: Option<&str>, region: &str, bucket: &str, key_id: &str, secret: &str) -> Self {
        let base = match endpoint {
            Some(url) => format!("{}/{bucket}", url.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        };
        Self {
            identity: Credentials::new(key_id, secret, None, None, "vitrine-settings").into(),
            region: region.to_string(),
            base,
        }
    }

    pub(super) fn put(&self, key: &ObjectKey, parts: PutParts<'_>) -> Result<PresignedPut, StorageError> {
        let mut uri = format!("{}/{}", self.base, key.as_str());
        for (i, (name, value)) in parts.query.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            uri.push(sep);
            uri.push_str(name);
            uri.push('=');
            uri.extend(percent_encoding::utf8_percent_encode(value, UNRESERVED));
        }
        let len = parts.len.to_string();
        let signed_headers = parts
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_ref()))
            .chain([("content-length", len.as_str())]);
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(parts.ttl);
        // S3 signs the path as sent: no double encoding, no normalisation.
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(super::backend)?
            .into();
        let request = SignableRequest::new("PUT", uri.as_str(), signed_headers, SignableBody::UnsignedPayload)
            .map_err(super::backend)?;
        let (instructions, _) = sign(request, &params).map_err(super::backend)?.into_parts();
        let mut req = http::Request::builder()
            .method("PUT")
            .uri(uri.as_str())
            .body(())
            .map_err(super::backend)?;
        instructions.apply_to_request_http1x(&mut req);
        Ok(PresignedPut {
            url: req.uri().to_string(),
            headers: parts
                .headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.into_owned()))
                .collect(),
        })
    }
}
