//! Originals stay private behind a CDN (`S3_PUBLIC_BASE_URL`): start-up stores
//! a probe original and a probe variant, asks the public base for both, and
//! refuses to start when it serves originals. The CDN here is a small
//! read-through server in front of the app's real S3 endpoint, with the
//! serving policy under test (a CDN is the one part that does not run here).

use axum::{Router, extract::Path, http::StatusCode, routing::get};
use uuid::Uuid;
use vitrine::server::{
    startup::Application,
    storage::{Exposure, ObjectKey, Storage},
};

use crate::common::{Backend, TestApp, test_settings};

#[derive(Clone, Copy)]
enum Policy {
    Everything,
    VariantsOnly,
    Nothing,
}

/// A CDN in front of `storage` that serves what `policy` allows; its base URL.
async fn cdn(storage: Storage, policy: Policy) -> String {
    let serve = move |Path(key): Path<String>| {
        let storage = storage.clone();
        async move {
            let file = key.rsplit('/').next().unwrap_or_default().to_string();
            let allowed = match policy {
                Policy::Everything => true,
                Policy::VariantsOnly => file.starts_with('w'),
                Policy::Nothing => false,
            };
            if !allowed {
                return (StatusCode::FORBIDDEN, b"AccessDenied".to_vec());
            }
            match storage.get(&ObjectKey::from_stored(key)).await {
                Ok(body) => (StatusCode::OK, body),
                Err(_) => (StatusCode::NOT_FOUND, b"NoSuchKey".to_vec()),
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, Router::new().route("/{*key}", get(serve))).await });
    url
}

async fn exposure(storage: &Storage, base: &str) -> Exposure {
    storage
        .clone()
        .with_public_base(base)
        .check_public_base()
        .await
        .expect("the probes are stored")
        .expect("a public base is set")
}

#[tokio::test]
async fn the_probes_tell_what_a_public_base_serves_and_leave_nothing_behind() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let storage = app.state.storage.clone();

    let everything = cdn(storage.clone(), Policy::Everything).await;
    match exposure(&storage, &everything).await {
        Exposure::OriginalsPublic(url) => {
            assert!(url.starts_with(&everything) && url.ends_with("/original.jpg"), "{url}")
        }
        other => panic!("a CDN serving the whole bucket gives originals away, not {other:?}"),
    }
    let variants = cdn(storage.clone(), Policy::VariantsOnly).await;
    assert_eq!(exposure(&storage, &variants).await, Exposure::VariantsOnly);
    let nothing = cdn(storage.clone(), Policy::Nothing).await;
    match exposure(&storage, &nothing).await {
        Exposure::NothingServed(why) => assert!(why.contains("403"), "{why}"),
        other => panic!("a CDN serving nothing shows no images, not {other:?}"),
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    assert!(matches!(
        exposure(&storage, &format!("http://{closed}")).await,
        Exposure::Unreachable(_)
    ));

    // Every probe was removed again.
    let left = storage.list(&ObjectKey::product_folder(Uuid::nil())).await.unwrap();
    assert!(left.is_empty(), "probes left behind: {left:?}");
}

#[tokio::test]
async fn start_up_refuses_a_public_base_that_serves_originals() {
    // The store: another app's S3 endpoint, used as an external S3.
    let store = TestApp::spawn(Backend::Sqlite).await;
    let (key_id, secret) = store.s3_credentials();
    let boot = |base: String| {
        let (store_url, key_id, secret) = (store.url.clone(), key_id.clone(), secret.clone());
        async move {
            let dir = tempfile::tempdir().unwrap();
            let mut settings = test_settings(Backend::Sqlite, dir.path()).await;
            settings.s3.endpoint = store_url;
            settings.s3.access_key_id = key_id;
            settings.s3.secret_access_key = vitrine::server::settings::Secret::new(secret);
            settings.s3.public_base_url = base;
            settings.check().expect("valid settings");
            Application::build(settings)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    };

    let refused = boot(cdn(store.state.storage.clone(), Policy::Everything).await).await;
    let reason = refused.expect_err("a CDN that serves originals stops the start");
    assert!(
        reason.contains("serves originals") && reason.contains("products/*/w*"),
        "{reason}"
    );

    boot(cdn(store.state.storage.clone(), Policy::VariantsOnly).await)
        .await
        .expect("a CDN that serves variants only is fine");
}

#[tokio::test]
async fn the_embedded_store_honours_conditional_writes() {
    // (Garage 2.5 does not: scripts/drill.sh shows start-up saying so.)
    let app = TestApp::spawn(Backend::Sqlite).await;
    assert!(app.state.storage.honours_conditional_writes().await.unwrap());
    let left = app.state.storage.list("health/").await.unwrap();
    assert!(left.is_empty(), "the probe stays: {left:?}");
}
