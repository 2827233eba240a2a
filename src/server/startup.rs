//! Start-up as a library function: bind (port 0 works), connect, migrate,
//! mount the embedded S3 when no endpoint is configured, build the router.

use std::{net::SocketAddr, time::Duration};

use anyhow::{Context, Result};
use axum::{Router, extract::State, http::StatusCode, routing::get, serve::ListenerExt};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

use super::{
    db::Db, embedded_s3, services::uploads::UploadConfig, settings::Settings, state::AppState, storage::Storage,
};
use crate::{
    app::{App, shell},
    model::UploadLimits,
    validate::PARALLEL_UPLOADS,
};

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
            let routes = embedded_s3::router(&settings.data_dir, &settings.s3.bucket, &key_id, &secret)?;
            // The browser signs nothing, but the Host it sends is in the signature: use its origin.
            let storage = Storage::new(
                Some(&public_url),
                &settings.s3.region,
                &settings.s3.bucket,
                &key_id,
                secret.expose(),
            );
            (storage, Some(routes))
        } else {
            let s = &settings.s3;
            let storage = Storage::new(
                Some(&s.endpoint),
                &s.region,
                &s.bucket,
                &s.access_key_id,
                s.secret_access_key.expose(),
            )
            .with_public_base(&s.public_base_url);
            if let Err(e) = storage.ensure_bucket().await {
                tracing::warn!(error = %e, bucket = %s.bucket, "the bucket could not be checked or created");
            }
            (storage, None)
        };

        let leptos_options = LeptosOptions::builder()
            .output_name("vitrine")
            .site_root(settings.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(addr)
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
            imaging: super::imaging::Limits {
                max_bytes: settings.uploads.max_file_bytes,
                max_pixels: settings.processing.max_pixels,
                max_side: settings.processing.max_side,
            },
            avif_variants: settings.processing.avif,
            secure_cookies: public_url.starts_with("https://"),
        };

        let routes = generate_route_list(App);
        let mut router = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .leptos_routes_with_context(&state, routes, || (), {
                let options = leptos_options.clone();
                move || shell(options.clone())
            })
            .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                admin_pages_need_sign_in,
            ))
            .with_state(state.clone());
        if let Some(s3) = s3_routes {
            router = router.merge(s3);
        }
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
    pub async fn run(self) -> Result<()> {
        // Nagle's algorithm slows keep-alive transfers of large bodies several-fold.
        if self.run_worker {
            tokio::spawn(super::jobs::work_forever(self.state.clone(), self.workers));
        }
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, self.router).await.context("server stopped")
    }
}

/// Admin pages send visitors to `/login` before anything renders. (Server
/// functions check their callers themselves; this is only for pages.)
async fn admin_pages_need_sign_in(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    let path = req.uri().path();
    if path == "/admin" || path.starts_with("/admin/") {
        let token = req
            .headers()
            .get(axum::http::header::COOKIE)
            .and_then(|h| h.to_str().ok())
            .and_then(super::services::auth::token_from_cookies);
        let user = match token {
            Some(t) => super::services::auth::user_for_token(&state.db, t).await.ok().flatten(),
            None => None,
        };
        if !user.is_some_and(|u| u.is_admin) {
            return Redirect::to("/login").into_response();
        }
    }
    next.run(req).await
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

/// Ready when the database and the storage both answer.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable");
    }
    if state.storage.ping().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "storage unreachable");
    }
    (StatusCode::OK, "ready")
}
