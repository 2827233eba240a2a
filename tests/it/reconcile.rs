//! `vitrine reconcile` against the real app and store: what it reports
//! without `--fix` (and that it changes nothing), what `--fix` repairs, and
//! that a repaired deployment reports clean.

use serde_json::json;
use vitrine::{
    model::ImageStatus,
    server::{
        reconcile::{MISSING_ORIGINAL, reconcile},
        storage::ObjectKey,
    },
};

use crate::common::{Backend, TestApp, tiny_png};

on_both_databases!(reconcile_reports_then_repairs_both_ways);

async fn reconcile_reports_then_repairs_both_ways(backend: Backend) {
    // Arrange: three ready images; then an object no row owns, a variant of `b`
    // gone from the bucket, and the original of `c` gone.
    let app = TestApp::spawn(backend).await;
    let product = app.create_product("Audit").await;
    let files = [
        ("a.png", tiny_png(), "image/png"),
        ("b.png", tiny_png(), "image/png"),
        ("c.png", tiny_png(), "image/png"),
    ];
    let ids = app.upload(&product, &files).await;
    app.run_jobs().await;
    let storage = &app.state.storage;
    let orphan = format!("products/{product}/{}/original.png", uuid::Uuid::new_v4());
    storage
        .put(&ObjectKey::from_stored(orphan.clone()), "image/png", tiny_png())
        .await
        .unwrap();
    let images = app.images(&product).await;
    let b_variant = app
        .object_names(&product, &ids[1])
        .await
        .into_iter()
        .find(|n| n.starts_with('w'))
        .unwrap();
    storage
        .delete(&ObjectKey::from_stored(format!(
            "products/{product}/{}/{b_variant}",
            ids[1]
        )))
        .await
        .unwrap();
    storage
        .delete(&ObjectKey::from_stored(format!(
            "products/{product}/{}/original.png",
            ids[2]
        )))
        .await
        .unwrap();
    let ctx = app.state.job_context();

    // Act
    let found = reconcile(&ctx, false).await.unwrap();
    let orphan_still_there = !storage.list(&orphan).await.unwrap().is_empty();
    let fixed = reconcile(&ctx, true).await.unwrap();
    let reprocessed = app.run_jobs().await;
    let after = reconcile(&ctx, false).await.unwrap();

    // Assert
    assert_eq!(found.orphans, std::slice::from_ref(&orphan));
    assert_eq!(found.missing_originals, [images[2].id]);
    assert_eq!(found.missing_variants, [images[1].id]);
    assert!(orphan_still_there, "without --fix nothing changes");
    assert!(fixed.fixed && fixed.orphans == found.orphans);
    assert_eq!(reprocessed, 1, "the image missing a variant was processed again");
    let now = app.images(&product).await;
    assert_eq!(now[1].status, ImageStatus::Ready);
    assert_eq!(now[2].status, ImageStatus::Failed);
    assert_eq!(now[2].error.as_deref(), Some(MISSING_ORIGINAL));
    assert!(storage.list(&orphan).await.unwrap().is_empty(), "the orphan is deleted");
    assert!(after.is_clean(), "{after}");
    let (status, _) = app.call("list_images", json!({ "product_id": product })).await;
    assert_eq!(status, 200);
}
