//! The HTTP layer between transports and services: every route the app
//! answers, stated in one place, and what wraps them (sign-in for admin
//! pages, caching, compression). The embedded S3 endpoint is merged last and
//! outside those layers: its answers are signed objects, not app pages.

pub mod assets;
pub mod caller;
pub mod errors;
pub mod headers;
pub mod media;
pub mod observe;
pub mod rest;
pub mod same_origin;
pub mod security;
pub mod session;
pub mod state;

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use leptos::prelude::{IntoView, LeptosOptions};
use leptos_axum::{LeptosRoutes, generate_route_list};

use state::AppState;

/// The largest request body the app reads (server functions take JSON; file
/// bytes go straight to storage). Larger bodies are answered 413 before any work.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// The app's routes: health, pages (the `app` component inside `shell`),
/// server functions, the bundle, then the embedded S3 endpoint (when there is
/// one) on the same origin. The app is passed in, so this layer depends on no page.
pub fn router<A, S>(state: AppState, s3: Option<Router>, app: fn() -> A, shell: fn(LeptosOptions) -> S) -> Router
where
    A: IntoView + 'static,
    S: IntoView + 'static,
{
    let options = state.leptos_options.clone();
    let routes = generate_route_list(app);
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(observe::metrics_page))
        .route("/media/{id}/{file}", get(media::variant))
        // Without the page's script, the sign-in form posts here: say why, never sign in.
        .route("/login", post(sign_in_needs_script))
        .merge(rest::routes())
        .leptos_routes_with_context(&state, routes, || (), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .merge(assets::bundle_routes(
            &options.site_root,
            &options.site_pkg_dir,
            options.hash_files,
        ))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admin_pages_need_sign_in,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.public_origin.clone(),
            same_origin::same_origin_writes,
        ))
        .layer(axum::middleware::from_fn(headers::default_caching))
        .layer(axum::middleware::from_fn_with_state(
            state.page_policy.clone(),
            security::security_headers,
        ))
        .layer(axum::middleware::from_fn(capped_bodies))
        .layer(headers::compression())
        // Outermost: visitors' pages are kept as sent, headers and compression included.
        .layer(axum::middleware::from_fn_with_state(
            state.pages.clone(),
            headers::visitor_pages,
        ))
        // Around everything, cached pages included: a request id and the request's count and time.
        .layer(axum::middleware::from_fn(observe::observe))
        .with_state(state);
    match s3 {
        Some(s3) => app.merge(s3),
        None => app,
    }
}

/// Every request body is capped at [`MAX_REQUEST_BYTES`] (413 beyond), except
/// the REST batch upload's, whose handler caps each file as it reads it.
async fn capped_bodies(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if rest::is_batch_upload(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let announced = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    // A body that does not announce its length is cut off at the cap (extractors answer 413).
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, MAX_REQUEST_BYTES));
    next.run(axum::extract::Request::from_parts(parts, body)).await
}

/// Admin pages send visitors to `/login` before anything renders. (Server
/// functions check their callers themselves; this is only for pages.)
async fn admin_pages_need_sign_in(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if headers::is_admin_path(req.uri().path()) {
        let (parts, body) = req.into_parts();
        match caller::Caller::of(&state.db, &parts).await {
            Ok(c) if c.is_admin() => return next.run(axum::extract::Request::from_parts(parts, body)).await,
            Ok(_) => return Redirect::to("/login").into_response(),
            Err(e) => return crate::error::AppError::from(e).into_response(),
        }
    }
    next.run(req).await
}

/// What a browser without script gets when it submits the sign-in form. The
/// form posts (so a password never lands in a URL), but sign-in is same-origin
/// JSON only, which needs the page's script.
async fn sign_in_needs_script() -> (StatusCode, Html<&'static str>) {
    (
        StatusCode::BAD_REQUEST,
        Html(concat!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>Sign-in needs JavaScript · Vitrine</title></head><body>",
            "<h1>Sign-in needs JavaScript</h1>",
            "<p role=\"alert\">Signing in to Vitrine needs JavaScript, which is off or failed to load ",
            "in this browser. Nothing was sent to sign you in. Turn JavaScript on and ",
            "<a href=\"/login\">try again</a>.</p></body></html>"
        )),
    )
}

/// Ready when the database answers and the storage takes a write.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable");
    }
    if state.storage.probe_write().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "storage refuses writes");
    }
    (StatusCode::OK, "ready")
}
