//! Gallery management controls on the admin product page: order, cover,
//! text, selection and deletion, reprocessing; and the product's settings.

use leptos::{prelude::*, task::spawn_local};

use super::page_state::{FocusTarget, ProductPageState};
use crate::{
    api::{
        UpdateImageText, UpdateProduct, delete_images, delete_product, move_image, reprocess_images, set_cover,
        set_published,
    },
    model::{ImageDto, ImageStatus, ProductDto},
};

/// Buttons and the text form for one gallery image. Built once per image:
/// what it shows from the server (status, cover) comes in as signals, so a
/// refresh never resets text being typed.
#[component]
pub fn ImageControls(img: ImageDto, status: Signal<ImageStatus>, is_cover: Signal<bool>) -> impl IntoView {
    let page = expect_context::<ProductPageState>();
    let (pid, id, name) = (img.product_id, img.id, img.original_filename.clone());
    let alt = NodeRef::<leptos::html::Input>::new();
    let title = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Textarea>::new();
    let tags = NodeRef::<leptos::html::Input>::new();
    let save_text = ServerAction::<UpdateImageText>::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = |n: NodeRef<leptos::html::Input>| n.get().map(|i| i.value()).unwrap_or_default();
        let (alt_text, title, tags) = (v(alt), v(title), v(tags));
        let description = description.get().map(|i| i.value()).unwrap_or_default();
        let tags: Vec<String> = tags
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        save_text.dispatch(UpdateImageText {
            product_id: pid,
            image_id: id,
            alt_text,
            title,
            description,
            tags,
        });
    };
    Effect::new(move |_| match save_text.value().get() {
        Some(Ok(())) => {
            page.error.set(None);
            page.refresh_gallery();
        }
        Some(Err(e)) => page.error.set(Some(e.to_string())),
        None => {}
    });
    // After a move the rows are redrawn in their new order; focus returns to the control used.
    let earlier = NodeRef::<leptos::html::Button>::new();
    let later = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        let Some(target) = page.focus.get().filter(|t| t.image == id) else {
            return;
        };
        let button = if target.step < 0 { earlier.get() } else { later.get() };
        if let Some(b) = button {
            let _ = b.focus();
        }
        page.focus.set(None);
    });
    let step = move |step: i32| page.act_and_focus(FocusTarget { image: id, step }, move_image(pid, id, step));
    let make_cover = move |_| {
        page.act(async move {
            set_cover(pid, id).await?;
            page.cover.set(Some(id));
            Ok(())
        })
    };
    // One image, from its own card (the selection does many).
    let delete_one = move |_| {
        page.selected.update(|s| s.retain(|x| *x != id));
        page.act(async move {
            let r = delete_images(pid, vec![id]).await?;
            match r.failed.into_iter().next() {
                Some(f) => Err(crate::error::AppError::Conflict(f.reason)),
                None => Ok(()),
            }
        })
    };
    let ready = move || status.get() == ImageStatus::Ready;
    let failed = move || status.get() == ImageStatus::Failed;
    let checked = move || page.selected.with(|s| s.contains(&id));
    let cover_label = format!("Make {name} the cover");
    let retry_label = format!("Retry {name}");
    let replace_label = format!("Replace {name}");
    let replace = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let file = input.files().and_then(|f| f.get(0));
        let index = page.images.with_untracked(|l| l.iter().position(|i| i.id == id));
        if let (Some(file), Some(index)) = (file, index) {
            page.engine.replace(id, index, file);
        }
    };
    let opened = RwSignal::new(false);
    let toggle = move |_| {
        page.selected.update(|s| {
            if s.contains(&id) {
                s.retain(|x| *x != id)
            } else {
                s.push(id)
            }
        })
    };
    view! {
        <div class="controls">
            <label class="select">
                <input type="checkbox" prop:checked=checked on:change=toggle/>
                <span class="sr-only">{format!("Select {name}")}</span>
            </label>
            <button type="button" node_ref=earlier aria-label=format!("Move {name} earlier") on:click=move |_| step(-1)>"←"</button>
            <button type="button" node_ref=later aria-label=format!("Move {name} later") on:click=move |_| step(1)>"→"</button>
            <Show
                when=move || !is_cover.get()
                fallback=|| view! { <span class="badge">"Cover"</span> }
            >
                <button type="button" aria-label=cover_label.clone() disabled=move || !ready()
                    title=move || (!ready()).then_some("Only a ready image can be the cover")
                    on:click=make_cover>"Make cover"</button>
            </Show>
            <button type="button" class="danger-quiet" aria-label=format!("Delete {name}") on:click=delete_one>"Delete"</button>
            // A failed image says what can be done: process it again, or upload another file in its place.
            <Show when=failed>
                <button type="button" aria-label=retry_label.clone()
                    on:click=move |_| page.act(async move { reprocess_images(pid, vec![id]).await.map(|_| ()) })>"Retry"</button>
                <label class="picker replace">
                    "Replace"
                    <input type="file" accept="image/*"
                        aria-label=replace_label.clone() on:change=replace/>
                </label>
            </Show>
            // The form is made when first opened, then kept (text being typed survives
            // refreshes): a gallery of 1,000 cards built 1,000 closed forms, 40 % of its DOM.
            <details class="edit" on:toggle=move |_| opened.set(true)>
                <summary>{format!("Edit {name}")}</summary>
                <Show when=move || opened.get()>
                    // Textareas get their text as a property: Leptos renders a textarea's child
                    // text unescaped, so a stored "</textarea><script>" would become markup.
                    <form on:submit=save>
                        <label>"Alt text" <input node_ref=alt value=img.alt_text.clone() maxlength="1000"/></label>
                        <label>"Title" <input node_ref=title value=img.title.clone() maxlength="200"/></label>
                        <label>"Description" <textarea node_ref=description maxlength="5000" prop:value=img.description.clone()></textarea></label>
                        <label>"Tags" <input node_ref=tags value=img.tags.join(", ")/></label>
                        <button type="submit" disabled=move || save_text.pending().get()>{format!("Save {name}")}</button>
                    </form>
                </Show>
            </details>
        </div>
    }
}

/// Actions on the selection and on the whole gallery.
#[component]
pub fn BulkActions() -> impl IntoView {
    let page = expect_context::<ProductPageState>();
    let (product_id, selected, error) = (page.product_id, page.selected, page.error);
    let delete = move |_| {
        let ids = selected.get_untracked();
        if ids.is_empty() {
            return;
        }
        selected.set(Vec::new());
        page.act(async move {
            let r = delete_images(product_id, ids).await?;
            if r.total_failed > 0 {
                return Err(crate::error::AppError::Conflict(format!(
                    "{} images could not be deleted",
                    r.total_failed
                )));
            }
            Ok(())
        });
    };
    view! {
        <div class="bulk">
            <button type="button" disabled=move || selected.with(Vec::is_empty) on:click=delete>
                {move || format!("Delete selected ({})", selected.with(Vec::len))}
            </button>
            <button type="button" on:click=move |_| page.act(async move { reprocess_images(product_id, Vec::new()).await.map(|_| ()) })>"Reprocess all"</button>
            <Show when=move || error.get().is_some()>
                <p role="alert" class="error">{move || error.get()}</p>
            </Show>
        </div>
    }
}

/// Name, slug, description, publishing and deletion of the product.
#[component]
pub fn ProductSettings(product: ProductDto) -> impl IntoView {
    let page = expect_context::<ProductPageState>();
    let error = RwSignal::new(None::<String>);
    let id = product.id;
    let name = NodeRef::<leptos::html::Input>::new();
    let slug = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Textarea>::new();
    let published = product.published;
    let save_product = ServerAction::<UpdateProduct>::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = |n: NodeRef<leptos::html::Input>| n.get().map(|i| i.value()).unwrap_or_default();
        save_product.dispatch(UpdateProduct {
            id,
            name: v(name),
            slug: v(slug),
            description: description.get().map(|i| i.value()).unwrap_or_default(),
        });
    };
    Effect::new(move |_| match save_product.value().get() {
        Some(Ok(_)) => page.refresh_all(),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let publish = move |_| {
        spawn_local(async move {
            match set_published(id, !published).await {
                Ok(_) => page.refresh_all(),
                Err(e) => error.set(Some(e.to_string())),
            }
        })
    };
    let remove = move |_| {
        if window()
            .confirm_with_message("Delete this product and all its images?")
            .unwrap_or(false)
        {
            spawn_local(async move {
                match delete_product(id).await {
                    Ok(()) => {
                        let _ = window().location().set_href("/admin");
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    view! {
        <details class="settings">
            <summary>"Product settings"</summary>
            <form on:submit=save>
                <label>"Name" <input node_ref=name value=product.name.clone() maxlength="120"/></label>
                <label>"Slug" <input node_ref=slug value=product.slug.clone() maxlength="80"/></label>
                <label>"Description" <textarea node_ref=description maxlength="5000" prop:value=product.description.clone()></textarea></label>
                <button type="submit" disabled=move || save_product.pending().get()>"Save product"</button>
            </form>
            <button type="button" class="danger" on:click=remove>"Delete product"</button>
        </details>
        <button type="button" on:click=publish>
            {if published { "Unpublish" } else { "Publish" }}
        </button>
        <span class="muted">{if published { " Published" } else { " Not published" }}</span>
        <Show when=move || error.get().is_some()>
            <p role="alert" class="error">{move || error.get()}</p>
        </Show>
    }
}
