//! What every part of the admin product page shares, provided once as a
//! context: the gallery as last listed, the cover, the selection, the last
//! error, where keyboard focus goes after a move, and how to run an action and
//! refresh. Components take it with `expect_context::<ProductPageState>()`
//! instead of signals passed down three levels.

use std::collections::{HashMap, HashSet};

use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

use super::upload_engine::Engine;
use crate::{api::list_images, error::AppError, model::ImageDto};

/// A control to focus once the gallery has been redrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FocusTarget {
    pub image: Uuid,
    /// -1 for "Move earlier", +1 for "Move later".
    pub step: i32,
}

#[derive(Clone, Copy)]
pub struct ProductPageState {
    pub product_id: Uuid,
    pub engine: Engine,
    /// The gallery in order, as the server last listed it. Rows are keyed by
    /// image id, so a refresh changes only what changed (an open form stays).
    pub images: RwSignal<Vec<ImageDto>>,
    pub cover: RwSignal<Option<Uuid>>,
    pub selected: RwSignal<Vec<Uuid>>,
    pub error: RwSignal<Option<String>>,
    /// Bumped when the product itself (name, slug, publishing) may have changed.
    pub product_version: RwSignal<u32>,
    /// The control that should have focus now (rows watch it).
    pub focus: RwSignal<Option<FocusTarget>>,
    /// The image the compare dialog shows, while it is open.
    pub comparing: RwSignal<Option<ImageDto>>,
    /// The control to focus after the next refresh.
    focus_next: StoredValue<Option<FocusTarget>>,
    /// A listing is in flight; another request waits for it.
    listing: StoredValue<bool>,
    /// A listing was asked for while one was in flight.
    list_again: StoredValue<bool>,
    /// Each listed image's record, one signal per image: a gallery card follows
    /// its own and wakes only when that image changed.
    cards: StoredValue<HashMap<Uuid, ArcRwSignal<ImageDto>>>,
    /// Counts listings: the frames that apply an older one's changes stop.
    shown_listing: StoredValue<u64>,
}

/// Cards (and their upload rows) redrawn per animation frame when a listing
/// changes many at once: the end of a 1,000-file drop turned them all Ready in
/// one task of over half a second.
const CARDS_CHANGED_PER_FRAME: usize = 60;

impl ProductPageState {
    pub fn new(product_id: Uuid, engine: Engine) -> Self {
        Self {
            product_id,
            engine,
            images: RwSignal::new(Vec::new()),
            cover: RwSignal::new(None),
            selected: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            product_version: RwSignal::new(0),
            focus: RwSignal::new(None),
            comparing: RwSignal::new(None),
            focus_next: StoredValue::new(None),
            listing: StoredValue::new(false),
            list_again: StoredValue::new(false),
            cards: StoredValue::new(HashMap::new()),
            shown_listing: StoredValue::new(0),
        }
    }

    /// The record of gallery image `id`, as a signal that changes when it does.
    pub fn card(self, id: Uuid) -> Option<ArcRwSignal<ImageDto>> {
        self.cards.with_value(|c| c.get(&id).cloned())
    }

    /// Shows a fresh listing: the order and new cards at once, then the cards
    /// (and upload rows) whose image changed, a frame's worth at a time. A listing
    /// that changes nothing (most, while the worker is busy elsewhere) draws nothing.
    pub fn show(self, list: Vec<ImageDto>) {
        self.engine.observe(&list);
        let listed: HashSet<Uuid> = list.iter().map(|i| i.id).collect();
        let mut due = Vec::new();
        self.cards.update_value(|cards| {
            cards.retain(|id, _| listed.contains(id));
            for img in &list {
                match cards.get(&img.id) {
                    Some(card) if card.with_untracked(|old| old == img) => {}
                    Some(_) => due.push(img.clone()),
                    // A new card is drawn with its record; its upload row, which has
                    // no view of this image yet, is brought up by `show_statuses`.
                    None => {
                        cards.insert(img.id, ArcRwSignal::new(img.clone()));
                    }
                }
            }
        });
        let same_order = self
            .images
            .with_untracked(|old| old.iter().map(|i| i.id).eq(list.iter().map(|i| i.id)));
        // (A new image changes the order too: `images` and `cards` are only ever set here.)
        if !due.is_empty() || !same_order {
            self.images.set(list);
        }
        self.shown_listing.update_value(|n| *n += 1);
        self.apply_changes(self.shown_listing.get_value(), due);
        if let Some(target) = self.focus_next.get_value() {
            self.focus_next.set_value(None);
            // After the rows have moved in the DOM (moving a node blurs it).
            request_animation_frame(move || self.focus.set(Some(target)));
        }
    }

    /// Redraws the first cards that are `due` (and their upload rows) now and the
    /// rest in later frames, unless a newer listing has come (it carries whatever is
    /// still due). Upload rows without a view of their image yet follow at once.
    fn apply_changes(self, listing: u64, mut due: Vec<ImageDto>) {
        if self.shown_listing.get_value() != listing {
            return;
        }
        let rest = due.split_off(due.len().min(CARDS_CHANGED_PER_FRAME));
        let ids: Vec<Uuid> = due.iter().map(|i| i.id).collect();
        for img in due {
            if let Some(card) = self.card(img.id) {
                card.set(img);
            }
        }
        self.engine.show_statuses(&ids);
        if !rest.is_empty() {
            request_animation_frame(move || self.apply_changes(listing, rest));
        }
    }

    /// Lists the gallery again (one listing at a time). Asked while a listing
    /// is in flight, it lists once more when that one ends: the first may
    /// predate the change that asked (a move shown late, its focus lost).
    pub fn refresh_gallery(self) {
        if self.listing.get_value() {
            self.list_again.set_value(true);
            return;
        }
        self.listing.set_value(true);
        spawn_local(async move {
            loop {
                self.list_again.set_value(false);
                let result = list_images(self.product_id).await;
                if self.list_again.get_value() {
                    continue;
                }
                self.listing.set_value(false);
                match result {
                    Ok(list) => self.show(list),
                    Err(e) => self.error.set(Some(e.to_string())),
                }
                break;
            }
        });
    }

    /// Runs a server call; its error (or none) is shown, then the gallery is listed again.
    pub fn act<F>(self, call: F)
    where
        F: std::future::Future<Output = Result<(), AppError>> + 'static,
    {
        spawn_local(async move {
            match call.await {
                Ok(()) => self.error.set(None),
                Err(e) => self.error.set(Some(e.to_string())),
            }
            self.refresh_gallery();
        });
    }

    /// Like `act`, for a move: focus returns to the same control once the rows
    /// have moved. The target is set only when the move is done: a listing that
    /// lands earlier shows the old order and must not take it.
    pub fn act_and_focus<F>(self, target: FocusTarget, call: F)
    where
        F: std::future::Future<Output = Result<(), AppError>> + 'static,
    {
        self.act(async move {
            let result = call.await;
            self.focus_next.set_value(Some(target));
            result
        });
    }

    /// Something about the product changed too (publishing, settings).
    pub fn refresh_all(self) {
        self.product_version.update(|v| *v += 1);
        self.refresh_gallery();
    }
}
