//! The page for an address that names nothing; it answers with status 404.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Not found"</h1>
        <p>"There is nothing at this address."</p>
    }
}
