//! The drop zone, the file picker and the per-file upload list.

use leptos::prelude::*;

use super::{
    folders::{self, Dropped, files_of},
    near_view,
    paced::paced,
    upload_engine::{Engine, Phase, Upload},
    upload_status::Counts,
};
use crate::validate::human_bytes;

/// The first rows of a drop, built at once whatever the viewport (about two screens).
const EAGER_ROWS: usize = 24;

/// Adds what was dropped; folders are read after the event (the page stays responsive).
fn add_dropped(engine: Engine, ev: &leptos::ev::DragEvent) {
    let Some(dt) = ev.data_transfer() else { return };
    match folders::dropped(&dt) {
        Dropped::Files(files) => engine.add_files(files),
        Dropped::Entries(entries) => leptos::task::spawn_local(async move {
            engine.add_files(folders::walk(entries).await);
        }),
    }
}

#[component]
pub fn Uploader(engine: Engine) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let hover = RwSignal::new(false);
    // Start the transfer worker with the page (in the browser only), not with the first drop.
    Effect::new(move |_| {
        let _ = engine.transfers();
    });

    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        hover.set(false);
        add_dropped(engine, &ev);
    };
    // Images pasted anywhere on the page are uploaded (text pastes are left alone).
    let paste = window_event_listener(leptos::ev::paste, move |ev| {
        let files = files_of(ev.clipboard_data().and_then(|d| d.files()));
        if !files.is_empty() {
            ev.prevent_default();
            engine.add_files(files);
        }
    });
    on_cleanup(move || paste.remove());
    // Files dragged anywhere over the page: a page-wide target says where they will go.
    let dragging = RwSignal::new(false);
    let enter = window_event_listener(leptos::ev::dragenter, move |ev| {
        let files = ev
            .data_transfer()
            .is_some_and(|d| d.types().includes(&wasm_bindgen::JsValue::from_str("Files"), 0));
        if files {
            dragging.set(true);
        }
    });
    on_cleanup(move || enter.remove());
    let overlay_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        add_dropped(engine, &ev);
    };
    let open_picker = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" || ev.key() == " " {
            ev.prevent_default();
            if let Some(i) = input.get() {
                i.click();
            }
        }
    };
    let on_change = move |_| {
        if let Some(i) = input.get() {
            engine.add_files(files_of(i.files()));
            // Lets the same file be picked again after a cancel.
            i.set_value("");
        }
    };
    // A second picker for whole folders (every file inside, recursively).
    let folder = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(i) = folder.get() {
            i.set_webkitdirectory(true);
        }
    });
    let on_folder = move |_| {
        if let Some(i) = folder.get() {
            engine.add_files(folders::visible(files_of(i.files())));
            i.set_value("");
        }
    };

    // Rows are built a slice per animation frame (at least 32: every row of a
    // 1,000-file drop shows within 2 s): built at once, they took a task of over a second.
    let built = paced(0, 32, move || engine.items.with(Vec::len));
    let rows = move || {
        let n = built.get();
        engine
            .items
            .with(|items| items.iter().take(n).copied().collect::<Vec<_>>())
    };
    // Finished rows of earlier batches fold into one line (failures stay in view).
    let show_finished = RwSignal::new(false);
    // Counted once per drawing, read by the summary and the toggle.
    let counts = Memo::new(move |_| engine.counts());
    view! {
        <section class="uploader" aria-label="Upload">
            <div
                class="dropzone"
                class:hover=move || hover.get()
                tabindex="0"
                role="button"
                aria-label="Drop images here"
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); hover.set(true); }
                on:dragleave=move |_| hover.set(false)
                on:drop=on_drop
                on:keydown=open_picker
                on:click=move |_| { if let Some(i) = input.get() { i.click(); } }
            >
                <p>"Drop images here"</p>
                <p class="muted">"JPEG, PNG, WebP, GIF or AVIF · files or folders · or paste · or press Enter to choose"</p>
            </div>
            // A styled button; the real input stays focusable (and named) inside it.
            <label class="picker">
                <input node_ref=input type="file" multiple accept="image/*" on:change=on_change/>
                "Choose images"
            </label>
            <label class="picker">
                <input node_ref=folder type="file" multiple on:change=on_folder/>
                "Choose a folder"
            </label>
            <div
                class="drop-overlay"
                class:shown=move || dragging.get()
                aria-hidden="true"
                on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                on:dragleave=move |_| dragging.set(false)
                on:drop=overlay_drop
            >
                <p>"Drop images to add them to this product"</p>
            </div>
            <Summary engine counts/>
            <FinishedToggle counts show_finished/>
            <ul class="uploads" aria-label="Uploads">
                <For each=rows key=|u| u.id let:u>
                    <UploadRow engine u collapsed=Signal::derive(move || {
                        !show_finished.get() && engine.folded(u)
                    })/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn Summary(engine: Engine, counts: Memo<Counts>) -> impl IntoView {
    view! {
        <Show when=move || !engine.items.with(Vec::is_empty)>
            <p class="summary" aria-live="polite">
                {move || {
                    counts.with(|c| {
                        let eta = c.eta.as_ref().map(|e| format!(" · {e}")).unwrap_or_default();
                        let failed = match c.failed {
                            0 => String::new(),
                            n => format!(" · {n} failed"),
                        };
                        let present = match c.present {
                            0 => String::new(),
                            n => format!(" · {n} already in this gallery"),
                        };
                        format!("{} of {} uploaded{failed}{present}{eta}", c.done, c.live)
                    })
                }}
            </p>
        </Show>
    }
}

/// "Show 38 earlier uploads" / "Hide earlier uploads", when a new batch has folded older rows.
#[component]
fn FinishedToggle(counts: Memo<Counts>, show_finished: RwSignal<bool>) -> impl IntoView {
    let folded = move || counts.with(|c| c.folded);
    view! {
        <Show when=move || { folded() > 0 }>
            <button type="button" class="link" aria-expanded=move || show_finished.get().to_string()
                on:click=move |_| show_finished.update(|s| *s = !*s)>
                {move || match (show_finished.get(), folded()) {
                    (true, _) => "Hide earlier uploads".to_string(),
                    (false, 1) => "Show 1 earlier upload".to_string(),
                    (false, n) => format!("Show {n} earlier uploads"),
                }}
            </button>
        </Show>
    }
}

#[component]
fn UploadRow(engine: Engine, u: Upload, collapsed: Signal<bool>) -> impl IntoView {
    let can_retry = move || {
        (matches!(u.shown.get(), Phase::Failed(_) | Phase::Cancelled) && u.retryable.get_value())
            || engine.processing_failed(u)
    };
    let retry = move |_| {
        if engine.processing_failed(u) {
            engine.retry_processing(u);
        } else {
            engine.retry(u);
        }
    };
    let state = move || {
        let text = engine.status_text(u);
        if text.starts_with("Failed") {
            "failed".to_string()
        } else {
            text.to_lowercase()
        }
    };
    let can_cancel = move || matches!(u.shown.get(), Phase::Waiting | Phase::Queued | Phase::Uploading);
    let pct = move || u.progress.get().round() as u32;
    let full = move || {
        view! {
            <img class="preview" src=move || engine.thumbnail(u) alt="" width="48" height="48"/>
            <div class="meta">
                <span class="filename">{u.name.get_value()}</span>
                <span class="muted">{human_bytes(u.size)}</span>
                <div
                    class="bar"
                    role="progressbar"
                    aria-label=u.name.get_value()
                    aria-valuemin="0"
                    aria-valuemax="100"
                    aria-valuenow=move || pct().to_string()
                >
                    // A transform, not a width: moving it needs no layout while transfers run.
                    <div class="fill" style:transform=move || format!("scaleX({})", f64::from(pct()) / 100.0)></div>
                </div>
                <span class="status">{move || engine.status_text(u)}</span>
            </div>
            <div class="actions">
                <Show when=can_retry>
                    <button type="button" on:click=retry>
                        <span class="sr-only">{format!("Retry {name}", name = u.name.get_value())}</span>
                        <span aria-hidden="true">"Retry"</span>
                    </button>
                </Show>
                <Show when=move || u.shown.get() == Phase::Duplicate>
                    <button type="button" on:click=move |_| engine.upload_anyway(u)>
                        <span class="sr-only">{format!("Upload {name} anyway", name = u.name.get_value())}</span>
                        <span aria-hidden="true">"Upload anyway"</span>
                    </button>
                </Show>
                <Show when=can_cancel>
                    <button type="button" on:click=move |_| engine.cancel(u)>
                        <span class="sr-only">{format!("Cancel {name}", name = u.name.get_value())}</span>
                        <span aria-hidden="true">"Cancel"</span>
                    </button>
                </Show>
            </div>
        }
    };
    // The first rows of a drop are built at once; later ones once they come near
    // the viewport (a drop of 1,000 files built 1,000 rows' bars and buttons that
    // nobody could see), as the file's name and status until then.
    let in_batch = u.id.saturating_sub(engine.latest_batch.get_untracked());
    let near = RwSignal::new(in_batch < EAGER_ROWS);
    let li = NodeRef::<leptos::html::Li>::new();
    let body = if near.get_untracked() {
        full().into_any()
    } else {
        let key = format!("upload-{}", u.id);
        li.on_load({
            let key = key.clone();
            move |el| near_view::watch(&el, key, near)
        });
        on_cleanup(move || near_view::forget(&key));
        let far = move || {
            view! {
                <div class="meta">
                    <span class="filename">{u.name.get_value()}</span>
                    <span class="status">{move || engine.status_text(u)}</span>
                </div>
            }
        };
        view! { <Show when=move || near.get() fallback=far>{full()}</Show> }.into_any()
    };
    view! {
        <li node_ref=li class="upload" class:collapsed=move || collapsed.get() data-phase=state>
            {body}
        </li>
    }
}
