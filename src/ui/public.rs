//! The visitor's side: `/` lists products, `/p/{slug}` shows a gallery of
//! processed images with `srcset`, explicit sizes and a thumbhash placeholder,
//! so nothing jumps while images load. These pages are served as plain HTML
//! (no hydration script, see `app::shell`), so their data is loaded with
//! `AsyncDerived`, which the server does not copy into the page for hydration.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::{list_published_products, public_gallery},
    error::AppError,
    model::{PublicImageDto, VariantDto},
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
                    return view! { <p>"No products yet. " <A href="/admin">"Add one"</A></p> }.into_any();
                }
                view! {
                    <ul class="products">
                        {list.into_iter().map(|p| view! {
                            <li class="card">
                                <A href=format!("/p/{}", p.slug)>
                                    {p.cover_url.clone().map(|u| view! { <img src=u alt="" width="400" height="300" loading="lazy"/> })}
                                    <span>{p.name}</span>
                                </A>
                            </li>
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
    let gallery = AsyncDerived::new(move || public_gallery(params.with(|p| p.get("slug").unwrap_or_default())));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match gallery.await {
                    Ok(g) => view! {
                        <h1>{g.product.name.clone()}</h1>
                        <p>{g.product.description.clone()}</p>
                        <ul class="public-gallery" aria-label="Gallery">
                            {g.images.into_iter().enumerate().map(|(i, img)| view! { <li><Picture img eager=i == 0/></li> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <super::not_found::NotFound/> }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Layout width hint for the browser's choice from `srcset`.
const SIZES: &str = "(max-width: 640px) 100vw, (max-width: 1100px) 50vw, 540px";

fn srcset(variants: &[VariantDto]) -> String {
    variants
        .iter()
        .map(|v| format!("{} {}w", v.url, v.width))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One image: WebP in `srcset` (every browser), AVIF as a `<source>` first
/// when the server made AVIF variants.
#[component]
fn Picture(img: PublicImageDto, eager: bool) -> impl IntoView {
    let alt = img.alt.clone();
    let (avif, webp): (Vec<VariantDto>, Vec<VariantDto>) =
        img.variants.iter().cloned().partition(|v| v.format == "avif");
    let largest = webp.last().cloned();
    let src = webp
        .iter()
        .find(|v| v.width >= 800)
        .or(largest.as_ref())
        .map(|v| v.url.clone());
    let (w, h) = largest.as_ref().map(|v| (v.width, v.height)).unwrap_or((4, 3));
    // `public/thumbhash.js` draws it as the image's background while it loads.
    let thumbhash = img.thumbhash.clone();
    let avif_source =
        (!avif.is_empty()).then(|| view! { <source type="image/avif" srcset=srcset(&avif) sizes=SIZES/> });
    view! {
        <figure>
            <a href=largest.map(|v| v.url)>
                <picture>
                    {avif_source}
                    <img
                        src=src
                        srcset=srcset(&webp)
                        sizes=SIZES
                        width=w
                        height=h
                        alt=alt
                        loading=if eager { "eager" } else { "lazy" }
                        decoding="async"
                        data-thumbhash=thumbhash
                    />
                </picture>
            </a>
        </figure>
    }
}
