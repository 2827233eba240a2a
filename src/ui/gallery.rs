//! The admin's gallery of a product: every image in order, originals shown
//! as soon as they are in storage, status captions until they are ready.

use leptos::prelude::*;

use crate::{
    model::{ImageDto, ImageStatus},
    validate::human_bytes,
};

#[component]
pub fn AdminGallery(images: Vec<ImageDto>) -> impl IntoView {
    if images.is_empty() {
        return view! { <p class="muted">"No images yet."</p> }.into_any();
    }
    view! {
        <ul class="gallery" aria-label="Gallery">
            {images.into_iter().map(|img| view! { <li><Figure img/></li> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Figure(img: ImageDto) -> impl IntoView {
    let alt = if img.alt_text.is_empty() {
        img.original_filename.clone()
    } else {
        img.alt_text.clone()
    };
    let caption = match img.status {
        ImageStatus::Ready => None,
        ImageStatus::Failed => Some(format!("Failed: {}", img.error.clone().unwrap_or_default())),
        s => Some(s.label().to_string()),
    };
    let picture = match img.original_url.clone() {
        Some(src) => view! { <img src=src alt=alt loading="lazy" decoding="async"/> }.into_any(),
        None => view! { <div class="placeholder" role="img" aria-label=alt></div> }.into_any(),
    };
    view! {
        <figure data-status=img.status.as_str()>
            {picture}
            <figcaption>
                <span class="filename">{img.original_filename.clone()}</span>
                <span class="muted">{human_bytes(img.byte_size as u64)}</span>
                {caption.map(|c| view! { <span class="status">{c}</span> })}
            </figcaption>
        </figure>
    }
}
