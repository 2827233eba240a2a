//! `/admin/products/{id}`: upload images and watch the gallery fill.
//! Every resource is created at the top of the page (never inside a
//! `Suspend`), so server and browser create them in the same order.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{
    gallery::AdminGallery,
    manage::{BulkActions, ProductSettings},
    upload_engine::Engine,
    uploader::Uploader,
};
use crate::{
    api::{get_product, get_upload_limits, list_images},
    error::AppError,
    validate::default_limits,
};

/// How often the page asks for statuses while images are unfinished.
const POLL_MS: u64 = 1500;

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let product_id = id.unwrap_or_default();
    let engine = Engine::new(product_id, default_limits());

    // Only management actions change the product; polling refreshes the gallery alone.
    let product_version = RwSignal::new(0u32);
    let product = Resource::new(
        move || product_version.get(),
        move |_| async move {
            match id {
                Some(id) => get_product(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let limits = Resource::new(|| (), |_| get_upload_limits());
    let images = Resource::new(move || engine.gallery_version.get(), move |_| list_images(product_id));
    let selected = RwSignal::new(Vec::<Uuid>::new());
    let error = RwSignal::new(None::<String>);
    let refresh = Callback::new(move |()| {
        product_version.update(|v| *v += 1);
        engine.gallery_version.update(|v| *v += 1);
    });

    Effect::new(move |_| {
        if let Some(Ok(l)) = limits.get() {
            engine.set_limits(l);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(list)) = images.get() {
            engine.observe(&list);
        }
    });
    // Statuses change on the server (the worker): poll while anything is unfinished.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if engine.server_busy() {
                    engine.gallery_version.update(|v| *v += 1);
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
                    Ok(p) => view! {
                        <h1>{p.name.clone()}</h1>
                        <p class="muted"><a href=format!("/p/{}", p.slug)>"Public page"</a> " · /p/" {p.slug.clone()}</p>
                        <ProductSettings product=p.clone() refresh/>
                        <Uploader engine/>
                        <h2>"Gallery"</h2>
                        <BulkActions product_id=p.id selected refresh error/>
                        <Transition fallback=|| view! { <p>"Loading…"</p> }>
                            {move || Suspend::new(async move {
                                match images.await {
                                    Ok(list) => view! { <AdminGallery images=list cover=p.cover_image_id selected refresh error/> }.into_any(),
                                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                                }
                            })}
                        </Transition>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <h1>"Product not found"</h1> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
