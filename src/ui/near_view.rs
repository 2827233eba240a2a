//! Cards built once they come near the viewport: a gallery of 1,000 images
//! builds the few dozen cards a person can see (and those just past the
//! edges), not 1,000 of them while a drop of 1,000 files is still going up.
//! One `IntersectionObserver` watches every card that waits, and cards that
//! come near are built a few per animation frame.

use std::{
    cell::RefCell,
    collections::{HashMap, VecDeque},
};

use js_sys::Array;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// How far beyond the viewport a card is built already, so that scrolling at
/// a reading pace finds cards built (about two screens each way).
const MARGIN: &str = "1500px 0px";
/// The attribute that names a waiting card to the observer.
const KEY: &str = "data-near";
/// Cards built per animation frame. A gallery that first appears brings about
/// sixty cards near at once; built in one go, with their pictures and controls,
/// that was one 100–200 ms task while a drop was going up.
const BUILT_PER_FRAME: usize = 12;

struct Watcher {
    observer: IntersectionObserver,
    /// The signal that builds each waiting card, by its key.
    waiting: HashMap<String, RwSignal<bool>>,
    /// Cards that came near and are not built yet, in the order they came.
    due: VecDeque<RwSignal<bool>>,
    /// An animation frame is booked to build the next of `due`.
    booked: bool,
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
            due: VecDeque::new(),
            booked: false,
            _on_change: on_change,
        })
    }
}

/// Cards that came near join the queue of cards to build.
fn on_change(entries: Array, observer: IntersectionObserver) {
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
                w.due.push_back(near);
            }
        }
    });
    build_some();
}

/// Builds the next few cards that came near, and books a frame for the rest.
/// Their signals are set once the watcher is released (setting one runs no
/// effect now, but keeps this borrow short either way).
fn build_some() {
    let now: Vec<_> = WATCHER.with_borrow_mut(|w| {
        let Some(w) = w else { return Vec::new() };
        let n = w.due.len().min(BUILT_PER_FRAME);
        let now = w.due.drain(..n).collect();
        if !w.due.is_empty() && !w.booked {
            w.booked = true;
            request_animation_frame(|| {
                WATCHER.with_borrow_mut(|w| {
                    if let Some(w) = w {
                        w.booked = false;
                    }
                });
                build_some();
            });
        }
        now
    });
    for near in now {
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
