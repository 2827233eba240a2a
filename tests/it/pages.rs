//! Server-rendered pages and operational endpoints.

use serde_json::json;

use crate::common::{Backend, TestApp, tiny_png};

on_both_databases!(
    pages_render_with_the_ui_contract,
    visitors_pages_are_plain_html_with_stable_media_urls
);

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

/// Visitors' pages load no WASM and carry no hydration data; their images come
/// from `/media/…`, stable URLs the app serves for published products only.
async fn visitors_pages_are_plain_html_with_stable_media_urls(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Plain shelf").await;
    app.upload(&product, &[("shelf.png", tiny_png(), "image/png")]).await;
    app.run_jobs().await;
    app.ok("set_published", json!({ "id": product, "published": true }))
        .await;

    let html = app.public_page("/p/plain-shelf").await;
    let hydrates = |html: &str| html.contains("modulepreload") || html.contains(".wasm");
    assert!(!hydrates(&html), "no hydration script or WASM: {html}");
    assert!(html.contains(r#"src="/thumbhash.js""#), "the placeholder script");
    assert!(html.contains("data-thumbhash="), "each image carries its ThumbHash");
    assert!(
        !html.contains("X-Amz-Signature"),
        "no presigned URL on a visitor's page"
    );
    let home = app.public_page("/").await;
    assert!(!hydrates(&home) && home.contains("Plain shelf"));
    assert!(hydrates(&app.page("/admin").await), "admin pages hydrate");

    // Kept pages are kept as sent: one per encoding, compressed, every header with them.
    for (accept, encoding) in [("br", Some("br")), ("gzip, deflate", Some("gzip")), ("identity", None)] {
        let get = || {
            app.anon
                .get(format!("{}/p/plain-shelf", app.url))
                .header("accept-encoding", accept)
                .send()
        };
        let (first, second) = (get().await.unwrap(), get().await.unwrap());
        for res in [&first, &second] {
            let sent = res.headers().get("content-encoding").map(|v| v.to_str().unwrap());
            assert_eq!(sent, encoding, "{accept}");
            assert!(
                res.headers().contains_key("content-security-policy"),
                "{accept}: policy kept"
            );
            assert_eq!(res.headers()["cache-control"], "no-cache");
        }
        assert_eq!(first.bytes().await.unwrap(), second.bytes().await.unwrap());
    }

    let start = html.find("/media/").expect("a media URL");
    let url = &html[start..start + html[start..].find([' ', '"']).unwrap()];
    let res = app.anon.get(format!("{}{url}", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    let header = |name: &str| res.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "image/webp");
    assert_eq!(header("cache-control"), "public, max-age=31536000, immutable");
    let bytes = res.bytes().await.unwrap();
    image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).expect("a real WebP");

    let (id, _) = url.strip_prefix("/media/").unwrap().split_once('/').unwrap();
    for bad in [
        format!("/media/{id}/original.png"),
        format!("/media/{id}/w9-v1.webp"),
        "/media/not-an-id/w8-v1.webp".to_string(),
        format!("/media/{id}/..%2Foriginal.png"),
    ] {
        let res = app.anon.get(format!("{}{bad}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{bad}");
    }
    // Pages are kept rendered, but a change shows on the very next visit:
    // a write through the API, and a job that finished.
    let images = app.images(&product).await;
    app.ok(
        "update_image_text",
        json!({ "product_id": product, "image_id": images[0].id, "alt_text": "Oak shelf, front", "title": "", "description": "", "tags": [] }),
    )
    .await;
    assert!(app.public_page("/p/plain-shelf").await.contains("Oak shelf, front"));
    app.upload(&product, &[("second.png", tiny_png(), "image/png")]).await;
    let thumbs = |html: String| html.matches(r#"class="thumb""#).count();
    assert_eq!(thumbs(app.public_page("/p/plain-shelf").await), 1);
    app.run_jobs().await;
    let html = app.public_page("/p/plain-shelf").await;
    assert_eq!(thumbs(html.clone()), 2, "a thumbnail per ready image");
    assert!(html.contains(r#"src="/gallery.js""#), "the product page's script");
    assert_eq!(
        html.matches(r#"fetchpriority="high""#).count(),
        1,
        "only the stage's image is urgent"
    );

    app.ok("set_published", json!({ "id": product, "published": false }))
        .await;
    let res = app.anon.get(format!("{}{url}", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 404, "unpublished products' images are not public");
    let page = app.anon.get(format!("{}/p/plain-shelf", app.url)).send().await.unwrap();
    assert_eq!(page.status(), 404, "nor their page, kept or not");
}
