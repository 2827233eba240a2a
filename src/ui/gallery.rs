//! The admin's gallery of a product: every image in order, status captions
//! until ready, and a compare view of the original beside its variants.

use leptos::prelude::*;

use uuid::Uuid;

use super::{manage::ImageControls, page_state::ProductPageState};
use crate::{
    model::{ImageDto, ImageStatus, VariantDto},
    validate::{ImageType, human_bytes},
};

#[component]
pub fn AdminGallery() -> impl IntoView {
    let page = expect_context::<ProductPageState>();
    // The chosen cover, or else the first ready image (spec: there is always one once any is ready).
    let cover = Memo::new(move |_| {
        page.images.with(|images| {
            page.cover
                .get()
                .filter(|c| images.iter().any(|i| i.id == *c))
                .or_else(|| images.iter().find(|i| i.status == ImageStatus::Ready).map(|i| i.id))
        })
    });
    // Drag and drop: the dragged image goes to the index of the image it is dropped on.
    let dragged = RwSignal::new(None::<Uuid>);
    let ids = move || page.images.with(|l| l.iter().map(|i| i.id).collect::<Vec<_>>());
    view! {
        <Show when=move || page.images.with(Vec::is_empty)>
            <p class="muted">"No images yet."</p>
        </Show>
        <ul class="gallery" aria-label="Gallery">
            <For each=ids key=|id| *id let:id>
                <Row id cover dragged/>
            </For>
        </ul>
    }
}

/// One image of the gallery. Built once per image id: a refresh redraws its
/// picture and caption when they change, and never the controls' form.
#[component]
fn Row(id: Uuid, cover: Memo<Option<Uuid>>, dragged: RwSignal<Option<Uuid>>) -> impl IntoView {
    let page = expect_context::<ProductPageState>();
    let current = move || page.images.with(|l| l.iter().find(|i| i.id == id).cloned());
    // Presigned original URLs change with every listing; the picture need not.
    let shown = Memo::new(move |_| {
        current().map(|mut i| {
            i.original_url = None;
            i
        })
    });
    let Some(first) = current() else {
        return ().into_any();
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let index = page.images.with_untracked(|l| l.iter().position(|i| i.id == id));
        if let (Some(from), Some(index)) = (dragged.get_untracked().filter(|from| *from != id), index) {
            dragged.set(None);
            page.act(crate::api::place_image(page.product_id, from, index));
        }
    };
    let figure = move || {
        shown.get().map(|mut img| {
            img.original_url = page
                .images
                .with_untracked(|l| l.iter().find(|i| i.id == id).and_then(|i| i.original_url.clone()));
            view! { <Figure img/> }
        })
    };
    view! {
        <li
            draggable="true"
            on:dragstart=move |_| dragged.set(Some(id))
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=on_drop
        >
            {figure}
            <ImageControls img=first status=Signal::derive(move || shown.with(|i| i.as_ref().map(|i| i.status))) is_cover=Signal::derive(move || cover.get() == Some(id))/>
        </li>
    }
    .into_any()
}

/// The alt text a gallery image shows: its own, or its filename.
pub fn alt_of(img: &ImageDto) -> String {
    if img.alt_text.is_empty() {
        img.original_filename.clone()
    } else {
        img.alt_text.clone()
    }
}

fn format_name(content_type: &str) -> &'static str {
    match ImageType::parse(content_type) {
        Ok(ImageType::Jpeg) => "JPEG",
        Ok(ImageType::Png) => "PNG",
        Ok(ImageType::Webp) => "WebP",
        Ok(ImageType::Gif) => "GIF",
        Ok(ImageType::Avif) => "AVIF",
        Err(_) => "?",
    }
}

#[component]
fn Figure(img: ImageDto) -> impl IntoView {
    let alt = alt_of(&img);
    let caption = match img.status {
        ImageStatus::Ready => None,
        ImageStatus::Failed => Some(format!("Failed: {}", img.error.clone().unwrap_or_default())),
        ImageStatus::Processing if img.attempts > 1 => Some(format!("Processing (attempt {})", img.attempts)),
        s => Some(s.label().to_string()),
    };
    // A ready image shows its 800-wide variant: light, and proof that processing worked.
    let shown = img
        .variants
        .iter()
        .find(|v| v.width >= 800)
        .or(img.variants.last())
        .map(|v| v.url.clone());
    // Unprocessed images show a placeholder, not their original: while a batch uploads,
    // fetching and decoding every multi-megabyte original would compete with the upload.
    let picture = match shown {
        Some(src) => view! { <img src=src alt=alt loading="lazy" decoding="async"/> }.into_any(),
        None => view! { <div class="placeholder" role="img" aria-label=alt></div> }.into_any(),
    };
    let compare = (!img.variants.is_empty()).then(|| view! { <Compare img=img.clone()/> });
    view! {
        <figure data-status=img.status.as_str()>
            {picture}
            <figcaption>
                <span class="filename">{img.original_filename.clone()}</span>
                <span class="muted">{human_bytes(img.byte_size as u64)}</span>
                {caption.map(|c| view! { <span class="status">{c}</span> })}
            </figcaption>
            {compare}
        </figure>
    }
}

/// The original next to each variant, with format, size in pixels, bytes and the saving.
#[component]
fn Compare(img: ImageDto) -> impl IntoView {
    let name = img.original_filename.clone();
    let original = img.byte_size.max(1);
    let dims = match (img.width, img.height) {
        (Some(w), Some(h)) => format!("{w}×{h}"),
        _ => "?".into(),
    };
    let original_label = format!(
        "Original · {} · {dims} · {}",
        format_name(&img.content_type),
        human_bytes(img.byte_size as u64)
    );
    let variant = move |v: VariantDto| {
        let saving = 100.0 - (v.byte_size as f64 * 100.0 / original as f64);
        let label = format!(
            "{} · {}×{} · {} · {saving:.0}% smaller",
            if v.format == "webp" { "WebP" } else { "AVIF" },
            v.width,
            v.height,
            human_bytes(v.byte_size as u64)
        );
        view! {
            <li>
                <a href=v.url.clone() target="_blank" rel="noopener"><img src=v.url.clone() alt=label.clone() loading="lazy"/></a>
                <span>{label}</span>
            </li>
        }
    };
    view! {
        <details class="compare">
            <summary>"Compare " {name.clone()}</summary>
            <ul aria-label=format!("Versions of {name}")>
                <li>
                    {img.original_url.clone().map(|u| view! {
                        <a href=u.clone() target="_blank" rel="noopener"><img src=u.clone() alt=original_label.clone() loading="lazy"/></a>
                    })}
                    <span>{original_label.clone()}</span>
                </li>
                {img.variants.into_iter().map(variant).collect_view()}
            </ul>
        </details>
    }
}
