//! Cards built once they come near the viewport: a gallery of 1,000 images
//! builds the few dozen cards a person can see (and those just past the
//! edges), not 1,000 of them while a drop of 1,000 files is still going up.
//! One `IntersectionObserver` watches every card that waits.

use std::{cell::RefCell, collections::HashMap};

use js_sys::Array;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// How far beyond the viewport a card is built already, so that scrolling at
/// a reading pace finds cards built (about two screens each way).
const MARGIN: &str = "1500px 0px";
/// The attribute that names a waiting card to the observer.
const KEY: &str = "data-near";

struct Watcher {
    observer: IntersectionObserver,
    /// The signal that builds each waiting card, by its key.
    waiting: HashMap<String, RwSignal<bool>>,
    _on_change: Closure<dyn FnMut(Array, IntersectionObserver)>,
}

thread_local! {
    static WATCHER: RefCell<Option<Watcher>> = const { RefCell::new(None) };
}

impl Watcher {
    fn start() -> Option<Self> {
        let on_change = Closure::<dyn FnMut(Array, IntersectionObserver)>::new(on_change);
        let options = IntersectionObserverInit::new();
        options.set_root_margin(MARGIN);
        let observer = IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options).ok()?;
        Some(Self {
            observer,
            waiting: HashMap::new(),
            _on_change: on_change,
        })
    }
}

/// Cards that came near: their signals are set once the watcher is released
/// (setting one runs no effect now, but keeps this borrow short either way).
fn on_change(entries: Array, observer: IntersectionObserver) {
    let mut due = Vec::new();
    WATCHER.with_borrow_mut(|w| {
        let Some(w) = w else { return };
        for entry in entries.iter() {
            let entry: IntersectionObserverEntry = entry.unchecked_into();
            if !entry.is_intersecting() {
                continue;
            }
            let target = entry.target();
            observer.unobserve(&target);
            if let Some(near) = target.get_attribute(KEY).and_then(|k| w.waiting.remove(&k)) {
                due.push(near);
            }
        }
    });
    for near in due {
        // (A card removed meanwhile has no signal left to set.)
        let _ = near.try_set(true);
    }
}

/// Sets `near` once `el` comes within `MARGIN` of the viewport (at once where
/// the browser has no `IntersectionObserver`).
pub fn watch(el: &Element, key: String, near: RwSignal<bool>) {
    let watched = WATCHER.with_borrow_mut(|w| {
        if w.is_none() {
            *w = Watcher::start();
        }
        let w = w.as_mut()?;
        el.set_attribute(KEY, &key).ok()?;
        w.waiting.insert(key, near);
        w.observer.observe(el);
        Some(())
    });
    if watched.is_none() {
        near.set(true);
    }
}

/// Stops waiting for a card that went away before it came near.
pub fn forget(key: &str) {
    WATCHER.with_borrow_mut(|w| {
        if let Some(w) = w {
            w.waiting.remove(key);
        }
    });
}
