//! Gallery management controls on the admin product page: order, cover,
//! text, selection and deletion, reprocessing; and the product's settings.

use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

use crate::{
    api::{
        delete_images, delete_product, move_image, reprocess_images, set_cover, set_published, update_image_text,
        update_product,
    },
    model::{ImageDto, ImageStatus, ProductDto},
};

/// Runs a server call, then refreshes the page's data; errors land in `error`.
pub fn act<F>(error: RwSignal<Option<String>>, refresh: Callback<()>, call: F)
where
    F: std::future::Future<Output = Result<(), crate::error::AppError>> + 'static,
{
    spawn_local(async move {
        match call.await {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e.to_string())),
        }
        refresh.run(());
    });
}

/// Buttons and the text form for one gallery image.
#[component]
pub fn ImageControls(
    img: ImageDto,
    is_cover: bool,
    selected: RwSignal<Vec<Uuid>>,
    refresh: Callback<()>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let (pid, id, name) = (img.product_id, img.id, img.original_filename.clone());
    let alt = NodeRef::<leptos::html::Input>::new();
    let title = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Textarea>::new();
    let tags = NodeRef::<leptos::html::Input>::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = |n: NodeRef<leptos::html::Input>| n.get().map(|i| i.value()).unwrap_or_default();
        let (a, t, g) = (v(alt), v(title), v(tags));
        let d = description.get().map(|i| i.value()).unwrap_or_default();
        let tags: Vec<String> = g
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        act(error, refresh, update_image_text(pid, id, a, t, d, tags));
    };
    let failed = img.status == ImageStatus::Failed;
    let checked = move || selected.with(|s| s.contains(&id));
    view! {
        <div class="controls">
            <label class="select">
                <input type="checkbox" prop:checked=checked
                    on:change=move |_| selected.update(|s| if s.contains(&id) { s.retain(|x| *x != id) } else { s.push(id) })/>
                <span class="sr-only">{format!("Select {name}")}</span>
            </label>
            <button type="button" aria-label=format!("Move {name} earlier") on:click=move |_| act(error, refresh, move_image(pid, id, -1))>"←"</button>
            <button type="button" aria-label=format!("Move {name} later") on:click=move |_| act(error, refresh, move_image(pid, id, 1))>"→"</button>
            {if is_cover {
                view! { <span class="badge">"Cover"</span> }.into_any()
            } else {
                view! { <button type="button" aria-label=format!("Make {name} the cover") on:click=move |_| act(error, refresh, set_cover(pid, id))>"Make cover"</button> }.into_any()
            }}
            {failed.then(|| view! {
                <button type="button" aria-label=format!("Reprocess {name}") on:click=move |_| act(error, refresh, async move { reprocess_images(pid, vec![id]).await.map(|_| ()) })>"Reprocess"</button>
            })}
            <details class="edit">
                <summary>{format!("Edit {name}")}</summary>
                // Textareas get their text as a property: Leptos renders a textarea's child
                // text unescaped, so a stored "</textarea><script>" would become markup.
                <form on:submit=save>
                    <label>"Alt text" <input node_ref=alt value=img.alt_text.clone() maxlength="1000"/></label>
                    <label>"Title" <input node_ref=title value=img.title.clone() maxlength="200"/></label>
                    <label>"Description" <textarea node_ref=description maxlength="5000" prop:value=img.description.clone()></textarea></label>
                    <label>"Tags" <input node_ref=tags value=img.tags.join(", ")/></label>
                    <button type="submit">{format!("Save {name}")}</button>
                </form>
            </details>
        </div>
    }
}

/// Actions on the selection and on the whole gallery.
#[component]
pub fn BulkActions(
    product_id: Uuid,
    selected: RwSignal<Vec<Uuid>>,
    refresh: Callback<()>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let delete = move |_| {
        let ids = selected.get_untracked();
        if ids.is_empty() {
            return;
        }
        selected.set(Vec::new());
        act(error, refresh, async move {
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
            <button type="button" on:click=move |_| act(error, refresh, async move { reprocess_images(product_id, Vec::new()).await.map(|_| ()) })>"Reprocess all"</button>
            <Show when=move || error.get().is_some()>
                <p role="alert" class="error">{move || error.get()}</p>
            </Show>
        </div>
    }
}

/// Name, slug, description, publishing and deletion of the product.
#[component]
pub fn ProductSettings(product: ProductDto, refresh: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let id = product.id;
    let name = NodeRef::<leptos::html::Input>::new();
    let slug = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Textarea>::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = |n: NodeRef<leptos::html::Input>| n.get().map(|i| i.value()).unwrap_or_default();
        let (n, s) = (v(name), v(slug));
        let d = description.get().map(|i| i.value()).unwrap_or_default();
        act(
            error,
            refresh,
            async move { update_product(id, n, s, d).await.map(|_| ()) },
        );
    };
    let published = product.published;
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
                <button type="submit">"Save product"</button>
            </form>
            <button type="button" class="danger" on:click=remove>"Delete product"</button>
        </details>
        <button type="button" on:click=move |_| act(error, refresh, async move { set_published(id, !published).await.map(|_| ()) })>
            {if published { "Unpublish" } else { "Publish" }}
        </button>
        <span class="muted">{if published { " Published" } else { " Not published" }}</span>
        <Show when=move || error.get().is_some()>
            <p role="alert" class="error">{move || error.get()}</p>
        </Show>
    }
}
