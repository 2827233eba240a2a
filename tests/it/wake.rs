//! Workers that react and leave cleanly: an idle worker takes a new job when
//! it is queued (on PostgreSQL through `LISTEN/NOTIFY`, well before its
//! fallback poll), and a worker asked to stop finishes the job it holds and
//! leaves nothing stuck.

use std::time::{Duration, Instant};

use crate::common::{Backend, TestApp, photo, tiny_png};
use vitrine::{
    model::ImageStatus,
    on_db,
    server::jobs::{self, wake},
};

on_both_databases!(
    an_idle_worker_starts_a_job_when_it_is_queued,
    a_stopped_worker_finishes_its_job_first
);

/// Polls the image's status until `done` holds, for at most `limit`.
async fn wait_for(app: &TestApp, product: &str, limit: Duration, done: impl Fn(ImageStatus) -> bool) -> ImageStatus {
    let started = Instant::now();
    loop {
        let status = app.images(product).await[0].status;
        if done(status) || started.elapsed() > limit {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn an_idle_worker_starts_a_job_when_it_is_queued(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(jobs::work_until(app.state.job_context(), 1, shutdown));
    // Let it drain the queue and go idle (listening, on PostgreSQL).
    tokio::time::sleep(Duration::from_millis(700)).await;
    let product = app.create_product("Woken").await;
    let queued = Instant::now();
    app.upload(&product, &[("a.png", tiny_png(), "image/png")]).await;
    let status = wait_for(&app, &product, Duration::from_secs(20), |s| s == ImageStatus::Ready).await;
    let took = queued.elapsed();
    assert_eq!(status, ImageStatus::Ready);
    eprintln!("{backend:?}: upload completed → image ready in {took:?}");
    if matches!(backend, Backend::Postgres) {
        // Polling alone would take until the idle wait ends (up to 5 s after it began).
        assert!(
            took < Duration::from_millis(2500),
            "woken by the notification, not the {:?} poll: {took:?}",
            wake::POLL_LISTENING
        );
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("an idle worker stops at once when asked")
        .unwrap();
}

async fn a_stopped_worker_finishes_its_job_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Stopped").await;
    // A large photo: processing takes long enough to be asked to stop during it.
    app.upload(
        &product,
        &[("sea.jpg", photo("Infinite-Sea_by_Aury88.jpg"), "image/jpeg")],
    )
    .await;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(jobs::work_until(app.state.job_context(), 1, shutdown));
    let status = wait_for(&app, &product, Duration::from_secs(20), |s| s != ImageStatus::Uploaded).await;
    assert_eq!(status, ImageStatus::Processing, "asked to stop while the job runs");
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(60), worker)
        .await
        .expect("the worker stops once its job is done")
        .unwrap();
    assert_eq!(
        app.images(&product).await[0].status,
        ImageStatus::Ready,
        "the job in hand was finished"
    );
    let left: i64 =
        on_db!(&app.state.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM job WHERE kind = 'process_image'")
        .fetch_one(p).await)
        .unwrap();
    assert_eq!(left, 0, "no job left locked or queued");
}
