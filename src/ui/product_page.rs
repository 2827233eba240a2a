//! `/admin/products/{id}`: upload images and watch the gallery fill.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{gallery::AdminGallery, upload_engine::Engine, uploader::Uploader};
use crate::{
    api::{get_product, get_upload_limits, list_images},
    error::AppError,
};

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let product = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_product(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(p) => view! {
                        <h1>{p.name.clone()}</h1>
                        <p class="muted">"/p/" {p.slug.clone()}</p>
                        <Workspace product_id=p.id/>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <h1>"Product not found"</h1> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Workspace(product_id: Uuid) -> impl IntoView {
    let limits = Resource::new(|| (), |_| get_upload_limits());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let limits = limits.await.unwrap_or_else(|_| crate::validate::default_limits());
                let engine = Engine::new(product_id, limits);
                let images = Resource::new(move || engine.gallery_version.get(), move |_| list_images(product_id));
                view! {
                    <Uploader engine/>
                    <h2>"Gallery"</h2>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match images.await {
                                Ok(list) => view! { <AdminGallery images=list/> }.into_any(),
                                Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                }
            })}
        </Suspense>
    }
}
