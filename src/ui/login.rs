//! `/login`, and the sign-out button admin pages carry.

use leptos::prelude::*;

use crate::api::{Login, Logout};

/// A full page load, so the server renders the next page with the new cookie.
fn go(path: &str) {
    let _ = window().location().set_href(path);
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let email = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = login.value().get() {
            go("/admin");
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Some(e), Some(p)) = (email.get(), password.get()) {
            login.dispatch(Login {
                email: e.value(),
                password: p.value(),
            });
        }
    };
    let error = move || {
        login.value().get().and_then(|r| r.err()).map(|e| match e {
            crate::error::AppError::Unauthorized => "Wrong email or password.".to_string(),
            other => other.to_string(),
        })
    };
    view! {
        <h1>"Sign in"</h1>
        // method="post": should the script fail to load, the browser posts to /login (which
        // explains that sign-in needs script) instead of putting the password in the URL.
        <noscript><p role="alert" class="error">"Signing in needs JavaScript; turn it on in this browser."</p></noscript>
        <form class="login" method="post" action="/login" on:submit=on_submit>
            <label>"Email" <input node_ref=email type="email" name="email" autocomplete="username" required/></label>
            <label>"Password" <input node_ref=password type="password" name="password" autocomplete="current-password" required/></label>
            <button type="submit" disabled=move || login.pending().get()>"Sign in"</button>
            <Show when=move || error().is_some()>
                <p role="alert" class="error">{error}</p>
            </Show>
        </form>
    }
}

#[component]
pub fn SignOut() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            go("/login");
        }
    });
    view! {
        <button type="button" class="signout" on:click=move |_| { logout.dispatch(Logout {}); }>"Sign out"</button>
    }
}
