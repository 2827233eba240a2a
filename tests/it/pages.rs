//! Server-rendered pages and operational endpoints.

use crate::common::{Backend, TestApp};

on_both_databases!(pages_render_with_the_ui_contract);

async fn pages_render_with_the_ui_contract(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Bench <b>&</b>").await;
    let page = app
        .http
        .get(format!("{}/admin/products/{product}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("aria-label=\"Drop images here\""), "drop zone is named");
    assert!(html.contains("Choose images"));
    assert!(html.contains("Bench &lt;b&gt;&amp;&lt;/b&gt;"), "names are escaped");

    let missing = app.http.get(format!("{}/no/such/page", app.url)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let ready = app.http.get(format!("{}/readyz", app.url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}
