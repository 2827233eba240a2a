//! The hand-written signer against `aws-sigv4` (the SDK's own): same time,
//! same request, the same signature and query.

use std::{
    borrow::Cow,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use aws_credential_types::Credentials;
use aws_sigv4::{
    http_request::{
        PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        UriPathNormalizationMode, sign,
    },
    sign::v4,
};
use aws_smithy_runtime_api::client::identity::Identity;
use uuid::Uuid;

use super::{Presigner, PutParts, stamps};
use crate::{server::storage::ObjectKey, validate::ImageType};

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// What `aws-sigv4` makes of the same URL (before the signer adds its query).
fn oracle(url: &str, headers: &[(&str, &str)], len: u64, ttl: Duration, region: &str, at: SystemTime) -> String {
    let identity: Identity = Credentials::new(KEY_ID, SECRET, None, None, "test").into();
    let len = len.to_string();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(ttl);
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("s3")
        .time(at)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let all = headers.iter().copied().chain([("content-length", len.as_str())]);
    let request = SignableRequest::new("PUT", url, all, SignableBody::UnsignedPayload).unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    let mut req = http::Request::builder().method("PUT").uri(url).body(()).unwrap();
    instructions.apply_to_request_http1x(&mut req);
    req.uri().to_string()
}

/// Path and the decoded query pairs, sorted: the order of parameters is free.
fn parts_of(url: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = url.split_once('?').unwrap();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    let mut pairs: Vec<_> = query
        .split('&')
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap();
            (decode(n), decode(v))
        })
        .collect();
    pairs.sort();
    (path.to_string(), pairs)
}

fn key() -> ObjectKey {
    ObjectKey::original(Uuid::from_u128(7), Uuid::from_u128(9), ImageType::Jpeg)
}

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_342_399) // 2026-12-03T23:59:59Z
}

fn check(presigner: &Presigner, expected_url: &str, query: Vec<(&'static str, Cow<'_, str>)>, region: &str) {
    let headers = [
        ("content-type", "image/jpeg"),
        ("if-none-match", "*"),
        ("x-amz-checksum-sha256", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="),
    ];
    let ttl = Duration::from_secs(900);
    let ours = presigner.put_at(
        &key(),
        PutParts {
            query,
            headers: headers.iter().map(|(n, v)| (*n, Cow::Borrowed(*v))).collect(),
            len: 2_000_000,
            ttl,
        },
        at(),
    );
    let theirs = oracle(expected_url, &headers, 2_000_000, ttl, region, at());
    assert_eq!(
        parts_of(&ours.url),
        parts_of(&theirs),
        "ours: {}\ntheirs: {theirs}",
        ours.url
    );
    assert_eq!(ours.headers.len(), 3);
}

#[test]
fn path_style_urls_match_aws_sigv4() {
    let p = Presigner::new(Some("http://127.0.0.1:9000/"), "us-east-1", "vitrine", KEY_ID, SECRET);
    let url = format!("http://127.0.0.1:9000/vitrine/{}", key().as_str());
    check(&p, &url, Vec::new(), "us-east-1");
    // The same signer twice (the day's key now cached) signs the same way.
    check(&p, &url, Vec::new(), "us-east-1");
}

#[test]
fn part_urls_bind_their_number_and_upload_id() {
    let p = Presigner::new(Some("http://127.0.0.1:9000"), "us-east-1", "vitrine", KEY_ID, SECRET);
    let upload_id = "2~Ab+c/d=e f";
    let url = format!(
        "http://127.0.0.1:9000/vitrine/{}?partNumber=3&uploadId={}",
        key().as_str(),
        percent_encoding::utf8_percent_encode(upload_id, super::UNRESERVED)
    );
    let query = vec![("partNumber", "3".into()), ("uploadId", upload_id.into())];
    check(&p, &url, query, "us-east-1");
}

#[test]
fn virtual_host_urls_on_aws_match_aws_sigv4() {
    let p = Presigner::new(None, "eu-west-1", "shop-media", KEY_ID, SECRET);
    let url = format!("https://shop-media.s3.eu-west-1.amazonaws.com/{}", key().as_str());
    check(&p, &url, Vec::new(), "eu-west-1");
}

#[test]
fn an_endpoint_with_a_path_keeps_it() {
    let p = Presigner::new(Some("https://gw.example.com/s3"), "us-east-1", "b", KEY_ID, SECRET);
    let url = format!("https://gw.example.com/s3/b/{}", key().as_str());
    check(&p, &url, Vec::new(), "us-east-1");
}

#[test]
fn default_ports_are_not_part_of_the_host() {
    // Browsers send `Host: s3.example.com` for :443, so that is what is signed.
    let p = Presigner::new(Some("https://s3.example.com:443"), "us-east-1", "b", KEY_ID, SECRET);
    assert_eq!(p.host, "s3.example.com");
    let p = Presigner::new(Some("http://127.0.0.1:8080"), "us-east-1", "b", KEY_ID, SECRET);
    assert_eq!(p.host, "127.0.0.1:8080");
}

#[test]
fn the_secret_never_shows_in_debug_output() {
    let p = Presigner::new(None, "eu-west-1", "b", KEY_ID, SECRET);
    assert!(!format!("{p:?}").contains(SECRET));
}

#[test]
fn stamps_are_utc_calendar_dates() {
    assert_eq!(stamps(UNIX_EPOCH), ("19700101".into(), "19700101T000000Z".into()));
    let leap = UNIX_EPOCH + Duration::from_secs(951_827_696);
    assert_eq!(stamps(leap), ("20000229".into(), "20000229T123456Z".into()));
    assert_eq!(stamps(at()).1, "20261203T235959Z");
    let new_year = UNIX_EPOCH + Duration::from_secs(1_798_761_600);
    assert_eq!(stamps(new_year).1, "20270101T000000Z");
}
