//! Presigned upload URLs: AWS Signature Version 4 in query parameters, written
//! out here for the one request shape upload URLs have (a PUT with a handful of
//! headers and an unsigned payload). `begin_upload` signs up to 200 URLs per
//! call: through the SDK's presigning pipeline a URL cost ≈ 100 µs, through
//! `aws-sigv4`'s generic signer ≈ 22 µs (mostly allocation and the signing-key
//! derivation, four HMACs, redone per URL). Here the signing key is derived
//! once per day and a URL is one canonical request, one SHA-256 and one HMAC.
//! The unit tests check every URL against `aws-sigv4`'s signature.

use std::{
    borrow::Cow,
    fmt::Write as _,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{ObjectKey, PresignedPut, StorageError};
use crate::validate::hex;

/// SigV4 leaves only the unreserved characters as they are.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The same in a path, where `/` separates segments.
const PATH: &percent_encoding::AsciiSet = &UNRESERVED.remove(b'/');

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Upload URLs never sign their body: the store checks length and checksum headers instead.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Signs URLs for one bucket with one key pair.
pub(super) struct Presigner {
    key_id: String,
    secret: String,
    region: String,
    /// `{scheme}://{authority}`.
    origin: String,
    /// The Host header browsers send: the authority without a default port.
    host: String,
    /// The encoded path before the key: `/{bucket}` (path style) or empty (virtual host).
    prefix: String,
    /// The signing key of one UTC day (`YYYYMMDD`).
    day_key: Mutex<Option<(String, [u8; 32])>>,
}

impl std::fmt::Debug for Presigner {
    // The secret stays out of every log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presigner")
            .field("key_id", &self.key_id)
            .field("region", &self.region)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Clone for Presigner {
    fn clone(&self) -> Self {
        Self {
            key_id: self.key_id.clone(),
            secret: self.secret.clone(),
            region: self.region.clone(),
            origin: self.origin.clone(),
            host: self.host.clone(),
            prefix: self.prefix.clone(),
            day_key: Mutex::new(None),
        }
    }
}

/// What one upload URL binds besides the key.
pub(super) struct PutParts<'a> {
    /// `partNumber` and `uploadId` for a part of a multipart upload.
    pub query: Vec<(&'static str, Cow<'a, str>)>,
    /// Headers the PUT must send as they are (lowercase names).
    pub headers: Vec<(&'static str, Cow<'a, str>)>,
    pub len: u64,
    pub ttl: Duration,
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `YYYYMMDD` and `YYYYMMDDTHHMMSSZ` in UTC (civil-from-days, proleptic Gregorian).
fn stamps(at: SystemTime) -> (String, String) {
    let secs = at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let date = format!("{year:04}{month:02}{day:02}");
    let time = format!("{date}T{:02}{:02}{:02}Z", rem / 3_600, rem % 3_600 / 60, rem % 60);
    (date, time)
}

impl Presigner {
    pub(super) fn new(endpoint: Option<&str>, region: &str, bucket: &str, key_id: &str, secret: &str) -> Self {
        let (origin, prefix) = match endpoint {
            Some(url) => {
                let url = url.trim_end_matches('/');
                let path_at = url.find("://").map_or(0, |i| i + 3);
                let (origin, path) = url.split_at(url[path_at..].find('/').map_or(url.len(), |i| path_at + i));
                let segment = percent_encoding::utf8_percent_encode(bucket, UNRESERVED);
                (origin.to_string(), format!("{path}/{segment}"))
            }
            None => (format!("https://{bucket}.s3.{region}.amazonaws.com"), String::new()),
        };
        let (scheme, authority) = origin.split_once("://").unwrap_or(("https", &origin));
        let default_port = if scheme == "http" { ":80" } else { ":443" };
        let host = authority.strip_suffix(default_port).unwrap_or(authority).to_string();
        Self {
            key_id: key_id.to_string(),
            secret: secret.to_string(),
            region: region.to_string(),
            origin,
            host,
            prefix,
            day_key: Mutex::new(None),
        }
    }

    pub(super) fn put(&self, key: &ObjectKey, parts: PutParts<'_>) -> Result<PresignedPut, StorageError> {
        Ok(self.put_at(key, parts, SystemTime::now()))
    }

    fn signing_key(&self, date: &str) -> [u8; 32] {
        let mut cached = self.day_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((day, key)) = cached.as_ref()
            && day == date
        {
            return *key;
        }
        let k = hmac(format!("AWS4{}", self.secret).as_bytes(), date.as_bytes());
        let k = hmac(&k, self.region.as_bytes());
        let k = hmac(&k, b"s3");
        let k = hmac(&k, b"aws4_request");
        *cached = Some((date.to_string(), k));
        k
    }

    fn put_at(&self, key: &ObjectKey, parts: PutParts<'_>, at: SystemTime) -> PresignedPut {
        let (date, time) = stamps(at);
        let path = format!(
            "{}/{}",
            self.prefix,
            percent_encoding::utf8_percent_encode(key.as_str(), PATH)
        );
        let len = parts.len.to_string();
        let mut headers: Vec<(&str, &str)> = parts.headers.iter().map(|(n, v)| (*n, v.trim())).collect();
        headers.push(("content-length", &len));
        headers.push(("host", &self.host));
        headers.sort_unstable();
        let signed_headers = headers.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(";");
        let scope = format!("{date}/{}/s3/aws4_request", self.region);
        let credential = format!("{}/{scope}", self.key_id);
        let expires = parts.ttl.as_secs().to_string();
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string();
        let mut query: Vec<(String, String)> = parts.query.iter().map(|(n, v)| (enc(n), enc(v))).collect();
        for (n, v) in [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", &credential),
            ("X-Amz-Date", &time),
            ("X-Amz-Expires", &expires),
            ("X-Amz-SignedHeaders", &signed_headers),
        ] {
            query.push((n.to_string(), enc(v)));
        }
        query.sort_unstable();
        let query = query
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = format!("PUT\n{path}\n{query}\n");
        for (n, v) in &headers {
            let _ = writeln!(request, "{n}:{v}");
        }
        let _ = write!(request, "\n{signed_headers}\n{UNSIGNED_PAYLOAD}");
        let to_sign = format!(
            "{ALGORITHM}\n{time}\n{scope}\n{}",
            hex(&Sha256::digest(request.as_bytes()))
        );
        let signature = hex(&hmac(&self.signing_key(&date), to_sign.as_bytes()));
        PresignedPut {
            url: format!("{}{path}?{query}&X-Amz-Signature={signature}", self.origin),
            headers: parts
                .headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.into_owned()))
                .collect(),
        }
    }
}

#[cfg(test)]
#[path = "presign_tests.rs"]
mod tests;
