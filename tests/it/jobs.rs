//! The job structure against the real app: periodic jobs are queued once
//! however many workers look, and the janitor removes what nobody will come
//! back for while leaving everything live alone.

use crate::common::{Backend, TestApp, file_spec, tiny_png};
use serde_json::json;
use vitrine::{
    model::{BatchResult, UploadTicket},
    on_db,
    server::{db::now_ms, jobs::schedule},
};

on_both_databases!(
    periodic_jobs_are_queued_once_however_many_workers_look,
    the_janitor_removes_abandoned_uploads_and_expired_sessions,
);

async fn count(app: &TestApp, sql: &str) -> i64 {
    on_db!(&app.state.db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

async fn periodic_jobs_are_queued_once_however_many_workers_look(backend: Backend) {
    // Arrange
    let app = TestApp::spawn(backend).await;

    // Act: eight workers look at the schedule at the same moment, then once more.
    let looks = (0..8).map(|_| schedule::queue_due(&app.state.db));
    let queued: usize = futures::future::join_all(looks)
        .await
        .into_iter()
        .map(|r| r.expect("the schedule answers"))
        .sum();
    let again = schedule::queue_due(&app.state.db).await.unwrap();

    // Assert
    assert_eq!(queued, 1, "one of eight queued the janitor");
    assert_eq!(again, 0, "not due again until its interval has passed");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM job WHERE kind = 'janitor'").await, 1);
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM job").await, 0, "the janitor finished");
}

async fn the_janitor_removes_abandoned_uploads_and_expired_sessions(backend: Backend) {
    // Arrange: two tickets; one file arrives but is never completed; both tickets
    // ran out two hours ago. A third upload is still live. One session has expired.
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Abandoned").await;
    let png = tiny_png();
    let specs = vec![
        file_spec("a.png", &png, "image/png"),
        file_spec("b.png", &png, "image/png"),
    ];
    let batch: BatchResult<UploadTicket> = app
        .typed("begin_upload", json!({ "product_id": product, "files": specs }))
        .await;
    let late = &batch.successful[0];
    let mut put = app.http.put(&late.url);
    for (k, v) in &late.headers {
        put = put.header(k, v);
    }
    assert_eq!(put.body(png.clone()).send().await.unwrap().status(), 200);
    let two_hours_ago = now_ms() - 2 * 3600 * 1000;
    on_db!(&app.state.db, p => sqlx::query("UPDATE image SET upload_expires_at = $1").bind(two_hours_ago).execute(p).await.map(|_| ()))
        .unwrap();
    let live = app.upload(&product, &[("c.png", png.clone(), "image/png")]).await;
    on_db!(&app.state.db, p => sqlx::query(
        "INSERT INTO session (token_hash, user_id, created_at, expires_at) SELECT 'old', id, 0, 1 FROM app_user")
        .execute(p).await.map(|_| ()))
    .unwrap();

    // Act
    assert_eq!(schedule::queue_due(&app.state.db).await.unwrap(), 1);
    assert_eq!(app.run_jobs().await, 2, "the janitor and the live image's processing");

    // Assert
    let left: Vec<String> = app
        .images(&product)
        .await
        .into_iter()
        .map(|i| i.id.to_string())
        .collect();
    assert_eq!(left, live, "only the live upload is left");
    let objects = app.state.storage.list(&format!("products/{product}/")).await.unwrap();
    assert!(
        objects.iter().all(|k| k.contains(&live[0])),
        "the late PUT's object went with its row: {objects:?}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM session WHERE token_hash = 'old'").await,
        0
    );
    let (status, _) = app.call("list_products", json!({})).await;
    assert_eq!(status, 200, "the admin's live session stays");
}
