//! `/admin`: the product list and the form that creates one.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};

use crate::api::{CreateProduct, list_products};

#[component]
pub fn AdminProducts() -> impl IntoView {
    let create = ServerAction::<CreateProduct>::new();
    let products = Resource::new(move || create.version().get(), |_| list_products());
    let name = NodeRef::<leptos::html::Input>::new();

    // A created product opens at once: uploading is the next thing to do.
    Effect::new(move |_| {
        if let Some(Ok(p)) = create.value().get() {
            use_navigate()(&format!("/admin/products/{}", p.id), Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(input) = name.get() {
            create.dispatch(CreateProduct { name: input.value() });
        }
    };
    let error = move || create.value().get().and_then(|r| r.err()).map(|e| e.to_string());

    view! {
        <div class="title-row">
            <h1>"Products"</h1>
            <nav class="admin-nav" aria-label="Admin">
                <A href="/admin/tokens">"API tokens"</A>
                <super::login::SignOut/>
            </nav>
        </div>
        <form class="create" on:submit=on_submit>
            <label>"Product name" <input node_ref=name name="name" required maxlength="120"/></label>
            <button type="submit" disabled=move || create.pending().get()>"Create product"</button>
            <Show when=move || error().is_some()>
                <p role="alert" class="error">{error}</p>
            </Show>
        </form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match products.await {
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"No products yet. Name your first one above; you can add its images on the next page."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="products">
                            {list.into_iter().map(|p| view! {
                                <li>
                                    <A href=format!("/admin/products/{}", p.id)>{p.name}</A>
                                    <span class="muted">" /" {p.slug} " · " {p.image_count} " images"</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
