//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{A, Route, Router, Routes},
    path,
};

use crate::ui::{
    login::LoginPage,
    not_found::NotFound,
    product_page::ProductPage,
    products::AdminProducts,
    public::{Home, PublicGallery},
    tokens::AdminTokens,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::web::security::provide_page_nonce();
    // Visitors' pages (`/`, `/p/{slug}`) need no interaction the browser cannot
    // do alone: plain HTML with a 2 KB script for placeholders, no WASM, no
    // hydration data, the same for everyone (so the page cache can keep them).
    #[cfg(feature = "ssr")]
    let hydrate = use_context::<http::request::Parts>()
        .is_none_or(|p| !crate::server::web::headers::is_visitor_page(p.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let hydrate = true;
    #[cfg(feature = "ssr")]
    let product_page = use_context::<http::request::Parts>().is_some_and(|p| p.uri.path().starts_with("/p/"));
    #[cfg(not(feature = "ssr"))]
    let product_page = false;
    let scripts = if hydrate {
        view! { <HydrationScripts options=options.clone()/> }.into_any()
    } else {
        // Placeholders everywhere; the thumbnail choice and lightbox on product pages.
        let gallery = product_page.then(|| view! { <script src="/gallery.js" defer></script> });
        view! { <script src="/thumbhash.js" defer></script> {gallery} }.into_any()
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                {scripts}
                // Names the content-hashed file in release builds.
                <HashedStylesheet options id="leptos"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests and styles can wait for this mark.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Title text="Vitrine"/>
        <Router>
            <header class="top">
                <A href="/">"Vitrine"</A>
                <nav>
                    <A href="/admin">"Manage products"</A>
                </nav>
            </header>
            <main>
                <Routes fallback=|| view! { <NotFound/> }>
                    // Whole pages, no streamed chunks: visitors' pages carry no inline script.
                    <Route path=path!("/") view=Home ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/admin") view=AdminProducts/>
                    <Route path=path!("/admin/tokens") view=AdminTokens/>
                    <Route path=path!("/admin/products/:id") view=ProductPage/>
                    // Async rendering, so an unknown product can answer with a real 404 status.
                    <Route path=path!("/p/:slug") view=PublicGallery ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
