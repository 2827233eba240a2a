//! What every part of the admin product page shares, provided once as a
//! context: the gallery as last listed, the cover, the selection, the last
//! error, where keyboard focus goes after a move, and how to run an action and
//! refresh. Components take it with `expect_context::<ProductPageState>()`
//! instead of signals passed down three levels.

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
    /// The control to focus after the next refresh.
    focus_next: StoredValue<Option<FocusTarget>>,
    /// A listing is in flight; another request waits for it.
    listing: StoredValue<bool>,
    /// A listing was asked for while one was in flight.
    list_again: StoredValue<bool>,
}

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
            focus_next: StoredValue::new(None),
            listing: StoredValue::new(false),
            list_again: StoredValue::new(false),
        }
    }

    /// Shows a fresh listing: rows update in place; the upload engine learns the statuses.
    pub fn show(self, list: Vec<ImageDto>) {
        self.engine.observe(&list);
        self.images.set(list);
        if let Some(target) = self.focus_next.get_value() {
            self.focus_next.set_value(None);
            // After the rows have moved in the DOM (moving a node blurs it).
            request_animation_frame(move || self.focus.set(Some(target)));
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
