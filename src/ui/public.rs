//! The visitor's side: `/` lists published products as cards, `/p/{slug}`
//! shows one product's gallery (see `showcase`). These pages are served as
//! plain HTML (no hydration script, see `app::shell`), so their data is loaded
//! with `AsyncDerived`, which the server does not copy into the page for
//! hydration; `public/gallery.js` adds the lightbox and thumbnail choice.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use uuid::Uuid;

use super::showcase::Showcase;
use crate::{
    api::{list_published_products, public_gallery},
    error::AppError,
};

#[component]
pub fn Home() -> impl IntoView {
    let products = AsyncDerived::new(list_published_products);
    view! {
        <h1>"Vitrine"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let list = products.await.unwrap_or_default();
                if list.is_empty() {
                    return view! {
                        <p class="empty">"No products are published yet. "
                            <A href="/admin">"Sign in to add one"</A>
                        </p>
                    }.into_any();
                }
                view! {
                    <ul class="cards" aria-label="Products">
                        {list.into_iter().enumerate().map(|(i, p)| {
                            let count = match p.image_count {
                                1 => "1 image".to_string(),
                                n => format!("{n} images"),
                            };
                            view! {
                                <li class="card">
                                    <a href=format!("/p/{}", p.slug)>
                                        <span class="cover">
                                            {p.cover_url.clone().map(|u| view! {
                                                // The first row is in view at once; the rest wait.
                                                <img src=u alt="" width="800" height="600"
                                                    loading=if i < 3 { "eager" } else { "lazy" } decoding="async"/>
                                            })}
                                        </span>
                                        <span class="name">{p.name}</span>
                                        <span class="muted">{count}</span>
                                    </a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn PublicGallery() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let gallery = AsyncDerived::new(move || public_gallery(params.with(|p| p.get("slug").unwrap_or_default())));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                // `?image={id}` chooses the image on the stage, so a shared link shows it.
                let chosen = query.with_untracked(|q| q.get("image")).and_then(|s| Uuid::parse_str(&s).ok());
                match gallery.await {
                    Ok(g) => {
                        let index = chosen.and_then(|id| g.images.iter().position(|i| i.id == id)).unwrap_or(0);
                        view! { <Showcase gallery=g index/> }.into_any()
                    }
                    Err(AppError::NotFound) => view! { <super::not_found::NotFound/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
