//! Sign-in, sessions and who may call what.

use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestApp};
use serde_json::json;
use vitrine::server::services::auth;

on_both_databases!(
    every_admin_function_refuses_anonymous_callers,
    non_admins_are_forbidden,
    wrong_passwords_fail_and_repeated_failures_slow_down,
    admin_pages_send_visitors_to_login_and_logout_ends_the_session,
);

/// Every server function but the public gallery, with plausible arguments.
fn admin_calls() -> Vec<(&'static str, serde_json::Value)> {
    let id = uuid::Uuid::new_v4();
    vec![
        ("create_product", json!({ "name": "x" })),
        ("list_products", json!({})),
        ("get_product", json!({ "id": id })),
        ("list_images", json!({ "product_id": id })),
        ("original_url", json!({ "image_id": id })),
        ("get_upload_limits", json!({})),
        ("begin_upload", json!({ "product_id": id, "files": [] })),
        ("complete_upload", json!({ "image_id": id })),
        ("complete_uploads", json!({ "image_ids": [id] })),
        ("renew_upload", json!({ "image_id": id })),
        ("cancel_upload", json!({ "image_id": id })),
        (
            "update_product",
            json!({ "id": id, "name": "x", "slug": "x", "description": "" }),
        ),
        ("set_published", json!({ "id": id, "published": true })),
        ("delete_product", json!({ "id": id })),
        ("move_image", json!({ "product_id": id, "image_id": id, "step": 1 })),
        ("set_cover", json!({ "product_id": id, "image_id": id })),
        (
            "update_image_text",
            json!({ "product_id": id, "image_id": id, "alt_text": "", "title": "", "description": "", "tags": [] }),
        ),
        ("delete_images", json!({ "product_id": id, "image_ids": [id] })),
        ("reprocess_images", json!({ "product_id": id, "image_ids": [] })),
        ("place_image", json!({ "product_id": id, "image_id": id, "index": 0 })),
    ]
}

async fn every_admin_function_refuses_anonymous_callers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (name, args) in admin_calls() {
        let (status, body) = app.call_as(&app.anon, name, args.clone()).await;
        assert_eq!(status, 401, "{name} must refuse anonymous callers: {body}");
    }
    let (status, _) = app.call("list_products", json!({})).await;
    assert_eq!(status, 200, "the signed-in admin is let in");
    let (status, _) = app
        .call_as(&app.anon, "public_gallery", json!({ "slug": "nothing-here" }))
        .await;
    assert_eq!(status, 404, "the public gallery needs no sign-in");
}

async fn non_admins_are_forbidden(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    auth::create_user(&app.state.db, "viewer@example.test", "a long enough password", false)
        .await
        .unwrap();
    let (status, _) = app
        .call_as(
            &app.anon,
            "login",
            json!({ "email": "viewer@example.test", "password": "a long enough password" }),
        )
        .await;
    assert_eq!(status, 403, "only admins sign in here");
    // Even holding a valid session, a non-admin is refused by every admin function.
    let (_, token) = auth::login(
        &app.state.db,
        &app.state.sign_in_limits,
        "viewer@example.test",
        "a long enough password",
        "127.0.0.1".parse().unwrap(),
    )
    .await
    .unwrap();
    for (name, args) in admin_calls() {
        let res = app
            .anon
            .post(format!("{}/api/{name}", app.url))
            .header(
                "cookie",
                format!("{}={token}", vitrine::server::web::session::SESSION_COOKIE),
            )
            .json(&args)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{name}");
    }
}

async fn wrong_passwords_fail_and_repeated_failures_slow_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let wrong = json!({ "email": ADMIN_EMAIL, "password": "not the password at all" });
    for _ in 0..3 {
        let (status, _) = app.call_as(&app.anon, "login", wrong.clone()).await;
        assert_eq!(status, 401);
    }
    let (status, body) = app
        .call_as(
            &app.anon,
            "login",
            json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }),
        )
        .await;
    assert_eq!(
        status, 429,
        "after repeated failures even the right password waits: {body}"
    );
    assert!(body.to_string().contains("try again in"), "{body}");
    let res = app
        .anon
        .post(format!("{}/api/login", app.url))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "Retry-After says when to come back: {wait}");
    let (status, _) = app
        .call_as(
            &app.anon,
            "login",
            json!({ "email": "nobody@example.test", "password": "whatever you like" }),
        )
        .await;
    assert_eq!(status, 401, "unknown accounts fail like wrong passwords");
    let (status, _) = app.call_as(&app.anon, "list_products", json!({})).await;
    assert_eq!(status, 401, "failed sign-ins grant nothing");
}

async fn admin_pages_send_visitors_to_login_and_logout_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.anon.get(format!("{}/admin", app.url)).send().await.unwrap();
    assert_eq!(res.url().path(), "/login", "visitors land on the sign-in page");
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign in"));
    let res = app.http.get(format!("{}/admin", app.url)).send().await.unwrap();
    assert_eq!(res.url().path(), "/admin");
    app.ok("logout", json!({})).await;
    let (status, _) = app.call("list_products", json!({})).await;
    assert_eq!(status, 401, "the session is gone after sign-out");
    let res = app.http.get(format!("{}/admin", app.url)).send().await.unwrap();
    assert_eq!(res.url().path(), "/login");
}
