//! Start-up as library functions. [`Application::build`] is `serve`: bind
//! (port 0 works), connect, migrate, create the first admin, mount the
//! embedded S3 when no endpoint is configured, build the router.
//! [`worker_context`] is a standalone `worker`: a database pool, a storage
//! client and the imaging settings, and nothing else — it binds no port.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::{Context, Result};
use axum::{Router, serve::ListenerExt};
use leptos::prelude::*;
use tokio::net::TcpListener;

use super::{
    db::Db,
    embedded_s3,
    jobs::{self, ImagingSettings, JobContext},
    s3_guard::WriteGate,
    services::{images, uploads::UploadConfig},
    settings::Settings,
    storage::Storage,
    web::{self, state::AppState},
};
use crate::{model::UploadLimits, validate::PARALLEL_UPLOADS};

/// A started (not yet serving) application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    pub addr: SocketAddr,
    pub public_url: String,
    pub state: AppState,
    run_worker: bool,
    workers: usize,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self> {
        // The metrics recorder exists before the first request or job is counted.
        super::metrics::handle();
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create the data folder {}", settings.data_dir.display()))?;
        let listener = TcpListener::bind(&settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let addr = listener.local_addr()?;
        let public_url = if settings.public_url.is_empty() {
            format!("http://{addr}")
        } else {
            settings.public_url.trim_end_matches('/').to_string()
        };

        let db = Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
        bootstrap_admin(&db, &settings).await?;

        let (storage, s3_routes) = if settings.embedded_s3() {
            let (key_id, secret) = embedded_s3::load_or_create_credentials(&settings.data_dir)?;
            let gate: WriteGate = {
                let db = db.clone();
                Arc::new(move |key| {
                    let db = db.clone();
                    Box::pin(async move { images::awaits_original(&db, &key).await })
                })
            };
            let routes = embedded_s3::router(&settings.data_dir, &settings.s3.bucket, &key_id, &secret, gate)?;
            // The browser signs nothing, but the Host it sends is in the signature: use its origin.
            let storage = Storage::new(
                Some(&public_url),
                &settings.s3.region,
                &settings.s3.bucket,
                &key_id,
                secret.expose(),
            )
            .embedded();
            (storage, Some(routes))
        } else {
            let storage = external_storage(&settings);
            if let Err(e) = storage.ensure_bucket().await {
                tracing::warn!(error = %e, bucket = %settings.s3.bucket, "the bucket could not be checked or created");
            }
            storage.note_conditional_writes().await;
            // Originals must not be reachable through the CDN (storage::privacy).
            storage.refuse_public_originals().await.map_err(anyhow::Error::msg)?;
            (storage, None)
        };

        // A release build by cargo-leptos (`hash-files`) leaves the bundle's content hashes
        // beside the binary; pages then name the hashed files, which are cached for good.
        let hashed_bundle = web::assets::hash_file_beside_exe().is_some();
        let leptos_options = LeptosOptions::builder()
            .output_name("vitrine")
            .site_root(settings.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .hash_files(hashed_bundle)
            .build();
        let state = AppState {
            leptos_options: leptos_options.clone(),
            db,
            storage,
            uploads: UploadConfig {
                limits: UploadLimits {
                    max_file_bytes: settings.uploads.max_file_bytes,
                    max_files_per_batch: settings.uploads.max_files_per_batch,
                    parallel_uploads: PARALLEL_UPLOADS,
                },
                ttl: Duration::from_secs(settings.uploads.presign_ttl_secs),
            },
            imaging: imaging_settings(&settings),
            secure_cookies: public_url.starts_with("https://"),
            sign_in_limits: Default::default(),
            pages: Default::default(),
            metrics_token: settings.metrics_token.clone(),
            public_origin: web::same_origin::PublicOrigin(
                web::security::origin_of(&public_url).context("VITRINE_PUBLIC_URL must be an http(s) URL")?,
            ),
            // The embedded endpoint shares the app's origin; an external one is named.
            page_policy: if settings.embedded_s3() {
                web::security::PagePolicy::new(&[])
            } else {
                web::security::PagePolicy::new(&[&settings.s3.endpoint, &settings.s3.public_base_url])
            },
        };

        let router = web::router(state.clone(), s3_routes, crate::app::App, crate::app::shell);
        Ok(Self {
            listener,
            router,
            addr,
            public_url,
            state,
            run_worker: settings.run_worker,
            workers: settings.processing.workers(),
        })
    }

    /// How many jobs the worker runs at a time.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Serves until the process ends.
    /// Serves until the process ends (tests).
    pub async fn run(self) -> Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `stop` resolves, then stops taking connections, finishes
    /// the requests in flight, lets the worker finish the jobs it holds, and returns.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let (stop_worker, shutdown) = tokio::sync::watch::channel(false);
        let worker = self
            .run_worker
            .then(|| tokio::spawn(jobs::work_until(self.state.job_context(), self.workers, shutdown)));
        // Nagle's algorithm slows keep-alive transfers of large bodies several-fold.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        // The peer address reaches handlers (sign-in limits per client).
        let app = self.router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
            .context("server stopped")?;
        let _ = stop_worker.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Resolves on SIGTERM (what service managers and container runtimes send) or Ctrl-C.
pub async fn terminated() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("asked to stop: finishing what is in hand");
}

/// What a standalone `vitrine worker` runs with. With the embedded store it
/// reads and writes through the running `serve` (at `VITRINE_PUBLIC_URL`, else
/// the bind address), with the credentials in the shared data folder.
pub async fn worker_context(settings: &Settings) -> Result<JobContext> {
    let db = Db::connect(settings.database_url.expose(), &settings.data_dir).await?;
    let storage = if settings.embedded_s3() {
        let (key_id, secret) = embedded_s3::load_or_create_credentials(&settings.data_dir)?;
        let serve_url = serve_url(settings)?;
        tracing::info!(%serve_url, "using the embedded store of the running serve");
        Storage::new(
            Some(&serve_url),
            &settings.s3.region,
            &settings.s3.bucket,
            &key_id,
            secret.expose(),
        )
        .embedded()
    } else {
        external_storage(settings)
    };
    Ok(JobContext {
        db,
        storage,
        imaging: imaging_settings(settings),
        // Its own: the pages `serve` keeps go stale within their short lifetime.
        pages: Default::default(),
    })
}

/// Where a worker on this machine reaches `serve`.
fn serve_url(settings: &Settings) -> Result<String> {
    if !settings.public_url.is_empty() {
        return Ok(settings.public_url.trim_end_matches('/').to_string());
    }
    let addr: SocketAddr = settings
        .bind
        .parse()
        .with_context(|| format!("cannot read the bind address {:?}", settings.bind))?;
    anyhow::ensure!(
        addr.port() != 0,
        "a worker cannot find a serve bound to port 0: set VITRINE_PUBLIC_URL to the serve's address"
    );
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    Ok(format!("http://{host}:{}", addr.port()))
}

fn external_storage(settings: &Settings) -> Storage {
    let s = &settings.s3;
    Storage::new(
        Some(&s.endpoint),
        &s.region,
        &s.bucket,
        &s.access_key_id,
        s.secret_access_key.expose(),
    )
    .with_public_base(&s.public_base_url)
}

fn imaging_settings(settings: &Settings) -> ImagingSettings {
    ImagingSettings {
        limits: crate::imaging::Limits {
            max_bytes: settings.uploads.max_file_bytes,
            max_pixels: settings.processing.max_pixels,
            max_side: settings.processing.max_side,
        },
        avif: settings.processing.avif,
    }
}

/// A fresh install gets one admin: from settings, or `admin@localhost` with a
/// random password written to a private file (never to the logs).
async fn bootstrap_admin(db: &Db, settings: &Settings) -> Result<()> {
    use super::services::auth;
    if auth::user_count(db).await? > 0 {
        return Ok(());
    }
    if !settings.admin_email.is_empty() && !settings.admin_password.is_empty() {
        auth::create_user(db, &settings.admin_email, settings.admin_password.expose(), true)
            .await
            .context("cannot create the admin from VITRINE_ADMIN_EMAIL / VITRINE_ADMIN_PASSWORD")?;
        tracing::info!(email = %settings.admin_email, "created the first admin from settings");
        return Ok(());
    }
    let password = embedded_s3::random_string(24);
    auth::create_user(db, "admin@localhost", &password, true)
        .await
        .context("cannot create the first admin")?;
    let path = settings.data_dir.join("initial-admin-password");
    embedded_s3::write_private(&path, &format!("{password}\n"))?;
    println!(
        "First run: sign in at /login as admin@localhost; the password is in {}",
        path.display()
    );
    Ok(())
}
