//! `/admin/products/{id}`: upload images and watch the gallery fill.
//! Every resource is created at the top of the page (never inside a
//! `Suspend`), so server and browser create them in the same order. The page
//! state (`page_state`) is provided once; the gallery is listed once by a
//! resource and then refreshed in place, only while something can change.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{
    compare::CompareDialog,
    gallery::AdminGallery,
    manage::{BulkActions, ProductSettings},
    page_state::ProductPageState,
    upload_engine::Engine,
    uploader::Uploader,
};
use crate::{
    api::{get_product, get_upload_limits, list_images},
    error::AppError,
    validate::default_limits,
};

/// How often the page asks for statuses while images are being processed.
const POLL_MS: u64 = 1500;

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let product_id = id.unwrap_or_default();
    let engine = Engine::new(product_id, default_limits());
    let page = ProductPageState::new(product_id, engine);
    provide_context(page);

    // Only management actions change the product; refreshes list the gallery alone.
    let product = Resource::new(
        move || page.product_version.get(),
        move |_| async move {
            match id {
                Some(id) => get_product(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let limits = Resource::new(|| (), |_| get_upload_limits());
    // The first listing and the cover it is drawn with (so server and browser draw the
    // same badges whichever Suspense resolves first); later ones come from `page.refresh_gallery`.
    let first_listing = Resource::new(
        || (),
        move |_| async move {
            let list = list_images(product_id).await?;
            let cover = get_product(product_id).await?.cover_image_id;
            Ok::<_, AppError>((list, cover))
        },
    );

    Effect::new(move |_| {
        if let Some(Ok(l)) = limits.get() {
            engine.set_limits(l);
        }
    });
    // An upload finished (the engine coalesces these): list again.
    Effect::new(move |seen: Option<()>| {
        engine.gallery_version.track();
        if seen.is_some() {
            page.refresh_gallery();
        }
    });
    // Statuses change on the server (the worker): poll while anything can still change.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if engine.server_busy() {
                    page.refresh_gallery();
                }
            },
            std::time::Duration::from_millis(POLL_MS),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    });

    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(p) => {
                        view! {
                            <h1>{p.name.clone()}</h1>
                            // A full page load (not the router): visitors' pages are plain HTML.
                            <p class="muted"><a href=format!("/p/{}", p.slug) rel="external">"Public page"</a> " · /p/" {p.slug.clone()}</p>
                            <ProductSettings product=p.clone()/>
                        }.into_any()
                    }
                    Err(AppError::NotFound) => view! { <h1>"Product not found"</h1> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <Uploader engine/>
        <h2>"Gallery"</h2>
        <BulkActions/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match first_listing.await {
                    Ok((list, cover)) => {
                        page.cover.set(cover);
                        page.show(list);
                        view! { <AdminGallery/> }.into_any()
                    }
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <CompareDialog/>
    }
}
