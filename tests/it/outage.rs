//! The store goes away at each step of an upload and comes back: while
//! tickets are handed out, in the middle of a PUT, during completion and
//! during processing. Every image still ends Ready once the store is back,
//! none is left pending or processing, and the bucket holds exactly what the
//! rows own.
//!
//! The app under test uses an external S3 endpoint: a second app's embedded
//! store (sharing its database, so the store's ticket gate sees the same
//! images) behind a TCP relay the test cuts and restores. Cutting closes
//! every open connection and refuses new ones, as a crashed store does.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use futures::SinkExt;
use serde_json::{Value, json};
use tokio::{net::TcpListener, task::AbortHandle};
use vitrine::{
    model::ImageStatus,
    on_db,
    server::{reconcile::reconcile, settings::Secret},
};

use crate::{
    common::{Backend, TestApp, database_url, file_spec, padded_jpeg, sha256_header},
    procs::jpeg,
};

on_both_databases!(the_store_going_away_at_any_step_loses_no_upload);

/// A TCP relay to the store that can be cut (open connections closed, new
/// ones dropped at once) and restored.
struct Relay {
    url: String,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Relay {
    async fn to(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("relay port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (up, open) = (Arc::new(AtomicBool::new(true)), Arc::new(Mutex::new(Vec::new())));
        let (up2, open2) = (up.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees its connection closed
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut store) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut store).await;
                    }
                });
                open2.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { url, up, open }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// The store's app (embedded S3, no worker) and the app under test, which
/// reaches that store only through the relay; both on one database (with
/// SQLite, a file in the returned folder).
async fn app_behind_a_relay(backend: Backend) -> (TestApp, TestApp, Relay, tempfile::TempDir) {
    let shared = tempfile::tempdir().expect("temp dir");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", shared.path().join("vitrine.db").display()),
        Backend::Postgres => database_url(backend).await,
    };
    let db = url.clone();
    let store = TestApp::spawn_with(backend, move |s| s.database_url = Secret::new(db)).await;
    let (key_id, secret) = store.s3_credentials();
    let upstream: SocketAddr = store.url.trim_start_matches("http://").parse().expect("store address");
    let relay = Relay::to(upstream).await;
    let endpoint = relay.url.clone();
    let app = TestApp::spawn_with(backend, move |s| {
        s.database_url = Secret::new(url);
        s.s3.endpoint = endpoint;
        s.s3.access_key_id = key_id;
        s.s3.secret_access_key = Secret::new(secret);
    })
    .await;
    (store, app, relay, shared)
}

async fn put(app: &TestApp, ticket: &Value, body: &[u8]) -> Result<u16, reqwest::Error> {
    app.try_put(ticket["url"].as_str().unwrap(), "image/jpeg", body.to_vec())
        .await
}

async fn complete(app: &TestApp, ticket: &Value) -> (u16, Value) {
    app.call("complete_upload", json!({ "image_id": ticket["image_id"] }))
        .await
}

async fn status_of(app: &TestApp, product: &str, ticket: &Value) -> ImageStatus {
    let id = ticket["image_id"].as_str().unwrap();
    let images = app.images(product).await;
    images
        .iter()
        .find(|i| i.id.to_string() == id)
        .expect("the image is listed")
        .status
}

async fn the_store_going_away_at_any_step_loses_no_upload(backend: Backend) {
    let (_store, app, relay, _shared) = app_behind_a_relay(backend).await;
    let product = app.create_product("Outage").await;
    let big = padded_jpeg(6 * 1024 * 1024);
    let bodies = [jpeg(1, 640, 480), big, jpeg(3, 640, 480), jpeg(4, 640, 480)];
    let specs: Vec<Value> = (0..bodies.len())
        .map(|i| file_spec(&format!("photo-{i}.jpg"), &bodies[i], "image/jpeg"))
        .collect();

    // Tickets while the store is down: signing needs no store, so they are issued,
    // and a PUT then fails without leaving anything behind.
    relay.cut();
    let batch = app.begin(&product, specs).await;
    let tickets = batch["successful"].as_array().unwrap().clone();
    assert_eq!(tickets.len(), 4, "{batch}");
    assert!(put(&app, &tickets[0], &bodies[0]).await.is_err(), "nothing listens");
    assert_eq!(status_of(&app, &product, &tickets[0]).await, ImageStatus::Pending);
    relay.restore();
    assert_eq!(put(&app, &tickets[0], &bodies[0]).await.unwrap(), 200);
    assert_eq!(complete(&app, &tickets[0]).await.0, 200);

    // Cut in the middle of a PUT: the part that arrived is not kept, so the same
    // ticket (If-None-Match: *) stores the whole file afterwards.
    let (mut tx, rx) = futures::channel::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let body = reqwest::Body::wrap_stream(rx);
    let sending = app
        .http
        .put(tickets[1]["url"].as_str().unwrap())
        .header("content-type", "image/jpeg")
        .header("content-length", bodies[1].len())
        .header("if-none-match", "*")
        .header("x-amz-checksum-sha256", sha256_header(&bodies[1]))
        .body(body)
        .send();
    let sending = tokio::spawn(sending);
    tx.send(Ok(bodies[1][..1024 * 1024].to_vec())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    relay.cut();
    let _ = tx.send(Ok(bodies[1][1024 * 1024..].to_vec())).await;
    drop(tx);
    let answer = sending.await.unwrap();
    assert!(!answer.as_ref().is_ok_and(|r| r.status() == 200), "{answer:?}");
    relay.restore();
    assert_eq!(complete(&app, &tickets[1]).await.0, 409, "nothing complete has arrived");
    assert_eq!(status_of(&app, &product, &tickets[1]).await, ImageStatus::Pending);
    assert_eq!(put(&app, &tickets[1], &bodies[1]).await.unwrap(), 200);
    assert_eq!(complete(&app, &tickets[1]).await.0, 200);

    // Completion while the store is down: a clear "try again", the image still pending.
    assert_eq!(put(&app, &tickets[2], &bodies[2]).await.unwrap(), 200);
    relay.cut();
    let (code, problem) = complete(&app, &tickets[2]).await;
    assert_eq!(code, 503, "{problem}");
    assert_eq!(status_of(&app, &product, &tickets[2]).await, ImageStatus::Pending);
    relay.restore();
    assert_eq!(complete(&app, &tickets[2]).await.0, 200);
    assert!(app.run_jobs().await >= 3, "the first three are processed");

    // Processing while the store is down: the job is put back for later (one job,
    // so the drain loop is over before its backoff ends), the image is neither
    // failed nor left claimed.
    assert_eq!(put(&app, &tickets[3], &bodies[3]).await.unwrap(), 200);
    assert_eq!(complete(&app, &tickets[3]).await.0, 200);
    relay.cut();
    assert!(app.run_jobs().await >= 1);
    let waiting: i64 = on_db!(&app.state.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM job WHERE last_error LIKE '%storage unavailable%'").fetch_one(p).await)
    .unwrap();
    assert_eq!(waiting, 1, "the job waits for its next try");
    let status = status_of(&app, &product, &tickets[3]).await;
    assert!(
        !matches!(status, ImageStatus::Ready | ImageStatus::Failed),
        "{status:?}"
    );
    relay.restore();
    on_db!(&app.state.db, p => sqlx::query("UPDATE job SET run_at = 0").execute(p).await.map(|_| ())).unwrap();
    assert!(app.run_jobs().await >= 1);

    // Every image Ready, and the bucket and the rows agree both ways.
    let images = app.images(&product).await;
    assert_eq!(images.len(), 4);
    for image in &images {
        assert_eq!(image.status, ImageStatus::Ready, "{image:?}");
    }
    let report = reconcile(&app.state.job_context(), false).await.expect("reconcile");
    assert!(report.is_clean(), "{report:?}");
}
