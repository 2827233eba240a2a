//! What an operator sees: `/metrics` behind its token, counters that move
//! when their events happen, a request id on every answer, and `/readyz`
//! failing when storage refuses writes. (The recorder is one per process and
//! tests run side by side, so counts are compared as "grew by at least".)

use crate::common::{Backend, TestApp, file_spec, tiny_png};
use serde_json::json;
use vitrine::server::{settings::Secret, storage::ObjectKey};

on_both_databases!(
    metrics_need_their_token_and_count_events,
    metrics_are_off_without_a_token,
    every_answer_has_a_request_id,
    readyz_fails_when_storage_refuses_writes,
);

const TOKEN: &str = "metrics-test-token";

async fn scrape(app: &TestApp) -> String {
    let res = app
        .anon
        .get(format!("{}/metrics", app.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    res.text().await.unwrap()
}

/// The value of one series (name with its labels, as rendered), 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

async fn metrics_need_their_token_and_count_events(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.metrics_token = Secret::new(TOKEN)).await;
    let url = format!("{}/metrics", app.url);
    assert_eq!(app.anon.get(&url).send().await.unwrap().status(), 401);
    let wrong = app
        .anon
        .get(&url)
        .bearer_auth("metrics-test-tokeN")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // The admin's session is not the metrics token either.
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 401);

    let before = scrape(&app).await;
    let product = app.create_product("Counted").await;
    app.upload(&product, &[("a.png", tiny_png(), "image/png")]).await;
    let refused = json!({ "product_id": product, "files": [file_spec("notes.txt", b"text", "text/plain")] });
    app.ok("begin_upload", refused).await;
    let wrong_password = json!({ "email": "admin@example.test", "password": "not the password" });
    app.call_as(&app.anon, "login", wrong_password).await;
    assert_eq!(app.run_jobs().await, 1);
    let after = scrape(&app).await;

    for (series, at_least) in [
        ("vitrine_uploads_begun_total", 1.0),
        ("vitrine_uploads_completed_total", 1.0),
        (r#"vitrine_uploads_refused_total{reason="unsupported_type"}"#, 1.0),
        (r#"vitrine_jobs_queued_total{kind="process_image"}"#, 1.0),
        (
            r#"vitrine_jobs_finished_total{kind="process_image",outcome="done"}"#,
            1.0,
        ),
        ("vitrine_sign_in_failures_total", 1.0),
    ] {
        let grew = value(&after, series) - value(&before, series);
        assert!(grew >= at_least, "{series} grew by {grew}:\n{after}");
    }
    // Server functions answered 200 to POSTs (create, begin ×2, complete), by route template.
    let api_posts = |text: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(r#"vitrine_http_requests_total{route="/api/"#))
            .filter(|l| l.contains(r#"method="POST",status="200""#))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .sum()
    };
    assert!(api_posts(&after) - api_posts(&before) >= 4.0, "{after}");
    assert!(
        after.contains(r#"vitrine_job_duration_seconds_bucket{kind="process_image",le="#),
        "{after}"
    );
    assert!(after.contains("vitrine_job_queue_depth "), "{after}");
    assert!(after.contains("vitrine_job_queue_oldest_age_seconds "), "{after}");
    assert!(
        after.contains(r#"vitrine_http_request_duration_seconds_bucket{route="/metrics""#),
        "{after}"
    );
    assert!(!after.contains(&product), "no ids in labels");
}

async fn metrics_are_off_without_a_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.http.get(format!("{}/metrics", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

async fn every_answer_has_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = |res: &reqwest::Response| res.headers()["x-request-id"].to_str().unwrap().to_string();
    let a = app.anon.get(format!("{}/healthz", app.url)).send().await.unwrap();
    let b = app
        .anon
        .get(format!("{}/no/such/page", app.url))
        .header("x-request-id", "forged-by-the-client")
        .send()
        .await
        .unwrap();
    let (a, b) = (id(&a), id(&b));
    assert!(a.len() == 32 && a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
    assert!(
        b.len() == 32 && a != b,
        "made by the server, never taken from the client: {b}"
    );
}

async fn readyz_fails_when_storage_refuses_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ready = || async { app.anon.get(format!("{}/readyz", app.url)).send().await.unwrap() };
    assert_eq!(ready().await.status(), 200);
    // An object under `health/readyz/` makes `health/readyz` unwritable (the
    // store keeps a folder where the probe's file would go), while the bucket
    // still answers reads.
    app.state
        .storage
        .put(
            &ObjectKey::from_stored("health/readyz/blocker".into()),
            "text/plain",
            b"x".to_vec(),
        )
        .await
        .unwrap();
    assert!(app.state.storage.ping().await.is_ok(), "reads still work");
    let res = ready().await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.text().await.unwrap(), "storage refuses writes");
}
