//! The browser's upload queue: validate, ask for tickets, keep a few transfers
//! running (`upload_transfer`). Drawing and gallery refreshes are coalesced in
//! `upload_drawing`; what the rows and the summary show is in `upload_status`.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use web_sys::File;

use super::transfers::Transfers;
pub use super::upload_item::{Phase, Upload};
use crate::{
    api::{begin_upload, cancel_upload, delete_images, place_image, reprocess_images},
    model::{BatchFailure, FailureKind, ImageStatus, UploadLimits, UploadTicket},
    validate::check_file,
};

/// What the server last said of one uploaded image.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ServerView {
    pub(super) status: ImageStatus,
    pub(super) error: Option<String>,
    pub(super) thumbnail: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Engine {
    pub(super) product_id: Uuid,
    pub(super) limits: StoredValue<UploadLimits>,
    pub items: RwSignal<Vec<Upload>>,
    /// Bumped whenever the server's view of the gallery may have changed.
    pub gallery_version: RwSignal<u32>,
    /// What the server last said of each uploaded image (processing happens there);
    /// rows follow their own copy (`Upload::remote`), so this is read untracked.
    pub(super) server: StoredValue<std::collections::HashMap<Uuid, ServerView>>,
    /// Bumped when a drawing or a listing changed any row: what counts rows (the
    /// summary) follows this one signal, not every row's (re-subscribing to
    /// thousands of signals at each drawing was 4 % of the page's CPU).
    pub(super) drawn: RwSignal<u64>,
    /// A drawing of what changed since the last one is booked.
    pub(super) draw_booked: StoredValue<bool>,
    /// Which row holds each image's ticket (a file announced twice gets one image).
    pub(super) by_image: StoredValue<std::collections::HashMap<Uuid, Upload>>,
    next_id: StoredValue<usize>,
    /// The first id of the latest batch: finished rows of earlier batches fold away.
    pub latest_batch: RwSignal<usize>,
    /// When a gallery refresh was asked for and not yet done.
    pub(super) refresh_asked: StoredValue<Option<f64>>,
    pub(super) started_at: StoredValue<Option<f64>>,
    /// The page's reactive owner: uploads' signals live as long as the page, not as
    /// long as whichever component happened to receive the drop.
    owner: StoredValue<Owner>,
}

pub(super) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}

impl Engine {
    pub fn new(product_id: Uuid, limits: UploadLimits) -> Self {
        Self {
            product_id,
            limits: StoredValue::new(limits),
            items: RwSignal::new(Vec::new()),
            gallery_version: RwSignal::new(0),
            server: StoredValue::new(Default::default()),
            drawn: RwSignal::new(0),
            by_image: StoredValue::new(Default::default()),
            next_id: StoredValue::new(0),
            latest_batch: RwSignal::new(0),
            refresh_asked: StoredValue::new(None),
            draw_booked: StoredValue::new(false),
            started_at: StoredValue::new(None),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        }
    }

    /// Queues files: refused ones show their reason at once, the rest get tickets.
    pub fn add_files(self, files: Vec<File>) {
        let owner = self.owner.get_value();
        owner.with(|| self.add_files_owned(files, None));
    }

    /// Uploads `file` in place of the failed image `old`, which is at `index` in
    /// the gallery: once the new file has its ticket, the old image goes and the
    /// new one takes its place. A refused file leaves the old image as it was.
    pub fn replace(self, old: Uuid, index: usize, file: File) {
        let owner = self.owner.get_value();
        owner.with(|| self.add_files_owned(vec![file], Some((old, index))));
    }

    fn add_files_owned(self, files: Vec<File>, replaces: Option<(Uuid, usize)>) {
        let mut accepted = Vec::new();
        let mut added = Vec::new();
        self.latest_batch.set(self.next_id.get_value());
        for file in files {
            let id = self.next_id.get_value();
            self.next_id.set_value(id + 1);
            let u = Upload::new(id, file);
            // A replacement is meant to be uploaded even if the gallery holds its bytes.
            u.replaces.set_value(replaces);
            u.anyway.set_value(replaces.is_some());
            match check_file(&u.spec(), &self.limits.get_value()) {
                Ok(_) => accepted.push(u),
                Err((_, reason)) => self.fail(u, reason, false),
            }
            added.push(u);
        }
        self.items.update(|items| items.extend(added));
        // (The rows are drawn after this returns: the worker starts digesting first.)
        if !accepted.is_empty() {
            self.start_batch(accepted);
        }
    }

    async fn request_tickets(self, uploads: Vec<Upload>) {
        let specs = uploads.iter().map(Upload::spec).collect();
        match begin_upload(self.product_id, specs).await {
            Err(e) => uploads.iter().for_each(|u| self.fail(*u, e.to_string(), true)),
            Ok(batch) => {
                for t in batch.successful {
                    if let Some(u) = uploads.get(t.index) {
                        self.take_ticket(*u, t);
                    }
                }
                for f in batch.failed {
                    if let Some(u) = uploads.get(f.index) {
                        self.refused(*u, &f);
                    }
                }
            }
        }
        // Transfers first: the gallery listing can wait for them.
        self.pump();
        self.refresh_gallery_soon();
    }

    /// Gives the file its ticket; false when it was cancelled while the ticket
    /// was on the way (the server forgets that image too), or when the ticket
    /// takes up an upload another row of this page is sending. A replacement
    /// then takes the place of the image it replaces.
    pub(super) fn take_ticket(self, u: Upload, t: UploadTicket) -> bool {
        if u.phase() == Phase::Cancelled {
            let image_id = t.image_id;
            spawn_local(async move {
                let _ = cancel_upload(image_id).await;
            });
            return false;
        }
        // The server hands an unfinished upload of the same bytes back to whoever
        // announces them again: a closed tab's, or this page's own.
        let other = self
            .by_image
            .with_value(|m| m.get(&t.image_id).copied())
            .filter(|o| o.id != u.id);
        if let Some(o) = other {
            let phase = o.phase();
            if phase.moving() || phase == Phase::Uploaded {
                // This page is sending it already: one row is enough.
                if let (Some(job), Ok(transfers)) = (u.job.get_value(), self.transfers()) {
                    transfers.abort(job);
                }
                u.retryable.set_value(false);
                self.set_phase(u, Phase::Duplicate);
                return false;
            }
            // An earlier row of this page failed with it: the new row takes over.
            self.items.update(|items| items.retain(|x| x.id != o.id));
        }
        // A row that had another image (an "Upload anyway" copy) no longer owns that one.
        let before = u.image_id_untracked();
        self.by_image.update_value(|m| {
            if let Some(old) = before.filter(|old| m.get(old).is_some_and(|x| x.id == u.id)) {
                m.remove(&old);
            }
            m.insert(t.image_id, u);
        });
        if let Some((old, index)) = u.replaces.get_value() {
            spawn_local(self.take_place_of(old, t.image_id, index));
        }
        u.ticket.set(Some(t));
        true
    }

    /// Shows why the server gave a file no ticket.
    pub(super) fn refused(self, u: Upload, f: &BatchFailure) {
        if f.kind == FailureKind::Duplicate {
            u.retryable.set_value(false);
            self.set_phase(u, Phase::Duplicate);
        } else {
            self.fail(
                u,
                f.reason.clone(),
                matches!(f.kind, FailureKind::Storage | FailureKind::Internal),
            );
        }
    }

    /// A replacement's image takes the place of the failed image it replaces.
    async fn take_place_of(self, old: Uuid, new: Uuid, index: usize) {
        if delete_images(self.product_id, vec![old]).await.is_ok() {
            let _ = place_image(self.product_id, new, index).await;
        }
        self.refresh_gallery_soon();
    }

    /// Hands every file that has a ticket to the transfer worker, which runs the
    /// parallel limit's worth at a time on its own thread: a finished transfer's
    /// slot is refilled there at once, however busy the page is. Verification
    /// and the gallery refresh happen here, beside the transfers.
    fn pump(self) {
        let ready: Vec<Upload> = self.items.with_untracked(|items| {
            items
                .iter()
                .filter(|u| u.phase() == Phase::Waiting && u.ticket.with_untracked(Option::is_some))
                .copied()
                .collect()
        });
        for u in ready {
            self.set_phase(u, Phase::Queued);
            spawn_local(self.finish(u, None));
        }
    }

    /// The page's transfer worker, started on first use.
    pub fn transfers(self) -> Result<Rc<Transfers>, String> {
        Transfers::shared(self.limits.get_value().parallel_uploads.max(1))
    }

    /// Notes that a file's bytes started moving (for speed and time left).
    pub(super) fn started(self, u: Upload) {
        self.set_phase(u, Phase::Uploading);
        if self.started_at.get_value().is_none() {
            self.started_at.set_value(Some(now_ms()));
        }
    }

    /// Stops a file: the request is aborted and the server forgets the image.
    pub fn cancel(self, u: Upload) {
        self.set_phase(u, Phase::Cancelled);
        self.draw();
        if let (Some(job), Ok(t)) = (u.job.get_value(), self.transfers()) {
            t.abort(job);
        }
        if let Some(t) = u.ticket.get_untracked() {
            spawn_local(async move {
                let _ = cancel_upload(t.image_id).await;
                self.refresh_gallery_soon();
            });
        }
    }

    /// Starts a file over with a fresh ticket; its old image, if any, is dropped.
    pub fn retry(self, u: Upload) {
        let old = u.ticket.get_untracked();
        u.ticket.set(None);
        u.raw_sent.set_value(0.0);
        self.set_phase(u, Phase::Waiting);
        self.draw();
        spawn_local(async move {
            if let Some(t) = old {
                let _ = cancel_upload(t.image_id).await;
            }
            self.request_tickets(vec![u]).await;
        });
    }

    /// Uploads a file the gallery already holds, as its user asked.
    pub fn upload_anyway(self, u: Upload) {
        u.anyway.set_value(true);
        self.set_phase(u, Phase::Waiting);
        self.draw();
        spawn_local(self.request_tickets(vec![u]));
    }

    /// Retries a file whose processing failed: processing again when its original
    /// is still stored, else a fresh upload of the file this page still holds.
    pub fn retry_processing(self, u: Upload) {
        let Some(image_id) = u.image_id() else {
            return self.retry(u);
        };
        spawn_local(async move {
            match reprocess_images(self.product_id, vec![image_id]).await {
                Ok(1) => self.refresh_gallery_soon(),
                _ => self.retry(u),
            }
        });
    }
}
