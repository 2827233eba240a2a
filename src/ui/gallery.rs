//! The admin's gallery of a product: every image in order, status captions
//! until ready, and the way into each image's compare view (`compare`).

use leptos::prelude::*;

use uuid::Uuid;

use super::{compare::Compare, manage::ImageControls, near_view, paced::paced, page_state::ProductPageState};
use crate::{
    model::{ImageDto, ImageStatus},
    validate::human_bytes,
};

/// Cards in the first drawing (the server's HTML too); then at least this many per frame.
const FIRST_CARDS: usize = 60;
const CARDS_PER_FRAME: usize = 4;

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
    // Cards are built a slice per frame: a listing that brings hundreds of new
    // images (a drop of 1,000 files) built them all in one 2.5 s task.
    let built = paced(FIRST_CARDS, CARDS_PER_FRAME, move || page.images.with(Vec::len));
    let ids = move || {
        let n = built.get();
        page.images.with(|l| l.iter().take(n).map(|i| i.id).collect::<Vec<_>>())
    };
    view! {
        <Show when=move || page.images.with(Vec::is_empty)>
            <p class="empty">"No images yet. Drop photos above, choose them, or paste one: each appears here as it uploads."</p>
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
    // This image's own record: the card wakes only when it changes.
    let Some(card) = page.card(id) else {
        return ().into_any();
    };
    let first = card.get_untracked();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let index = page.images.with_untracked(|l| l.iter().position(|i| i.id == id));
        if let (Some(from), Some(index)) = (dragged.get_untracked().filter(|from| *from != id), index) {
            dragged.set(None);
            page.act(crate::api::place_image(page.product_id, from, index));
        }
    };
    let status = Signal::derive({
        let card = card.clone();
        move || card.with(|i| i.status)
    });
    let figure = move || view! { <Figure img=card.get()/> };
    let name = first.original_filename.clone();
    let card_body = move || {
        view! {
            // The card is dragged by any part; this says so.
            <span class="handle" aria-hidden="true" title="Drag to reorder">"⠿"</span>
            {figure.clone()}
            <ImageControls img=first.clone() status is_cover=Signal::derive(move || cover.get() == Some(id))/>
        }
    };
    // The first cards (the server's HTML) are built at once; later ones once they
    // come near the viewport, as a box with the file's name until then.
    let near = RwSignal::new(
        page.images
            .with_untracked(|l| l.iter().take(FIRST_CARDS).any(|i| i.id == id)),
    );
    let li = NodeRef::<leptos::html::Li>::new();
    let body = if near.get_untracked() {
        card_body().into_any()
    } else {
        li.on_load(move |el| near_view::watch(&el, id.to_string(), near));
        on_cleanup(move || near_view::forget(&id.to_string()));
        let far = move || {
            view! {
                <div class="placeholder" role="img" aria-label=name.clone()></div>
                <p class="filename">{name.clone()}</p>
            }
        };
        view! { <Show when=move || near.get() fallback=far>{card_body()}</Show> }.into_any()
    };
    view! {
        <li
            node_ref=li
            draggable="true"
            on:dragstart=move |_| dragged.set(Some(id))
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=on_drop
        >
            {body}
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
    // One status per file: while this page uploads it, the tile says what its upload row says.
    let engine = expect_context::<ProductPageState>().engine;
    let (id, ready) = (img.id, img.status == ImageStatus::Ready);
    let upload = (!ready).then(|| engine.upload_of(id)).flatten();
    let caption = move || {
        let text = match (ready, upload) {
            (true, _) => None,
            // The usual case: follow that one file's status only.
            (false, Some(u)) => Some(engine.status_text(u)),
            // Its ticket has not been seen yet (or another page uploads it): look it up as it comes.
            (false, None) => engine.status_of(id),
        }
        .or_else(|| caption.clone());
        text.filter(|t| t != "Ready")
            .map(|c| view! { <span class="status">{c}</span> })
    };
    view! {
        <figure data-status=img.status.as_str()>
            {picture}
            <figcaption>
                <span class="filename">{img.original_filename.clone()}</span>
                <span class="muted">{human_bytes(img.byte_size as u64)}</span>
                {caption}
            </figcaption>
            {compare}
        </figure>
    }
}
