//! What the uploader shows: each file's status (its own phase, then what the
//! server says of its processing), its thumbnail, whether the server may still
//! change anything, and the batch summary with speed and time left.

use leptos::prelude::*;
use uuid::Uuid;

use super::upload_engine::{Engine, Phase, ServerView, Upload, now_ms};
use crate::model::{ImageDto, ImageStatus, UploadLimits};

impl Engine {
    /// Records the server's statuses from a fresh gallery listing (untracked:
    /// rows show them when `show_statuses` names their image).
    pub fn observe(self, images: &[ImageDto]) {
        let map = images
            .iter()
            .map(|i| {
                let view = ServerView {
                    status: i.status,
                    error: i.error.clone(),
                    thumbnail: i.variants.iter().find(|v| v.format == "webp").map(|v| v.url.clone()),
                };
                (i.id, view)
            })
            .collect();
        self.server.set_value(map);
    }

    /// Brings the rows of the images in `changed` up to date with the last
    /// listing, and any row whose file got its image since (it has no view of
    /// it yet). Only rows whose view differs are woken: the rest of a listing's
    /// changes reach their rows in later frames, with their cards.
    pub fn show_statuses(self, changed: &[Uuid]) {
        let woken = self.server.with_value(|server| {
            let rows = changed
                .iter()
                .filter_map(|id| self.upload_of(*id))
                .filter(|u| bring_up(*u, server))
                .count();
            let unseen = |u: &&Upload| {
                let id = u.image_id_untracked();
                id.is_some() && u.remote.with_untracked(|r| r.as_ref().map(|(rid, _)| *rid) != id)
            };
            rows + self
                .items
                .with_untracked(|items| items.iter().filter(unseen).filter(|u| bring_up(**u, server)).count())
        });
        if woken > 0 {
            self.drawn.update(|n| *n += 1);
        }
    }

    /// Counts rows: follows the list and each drawing, and reads the rows untracked.
    fn counting<T>(self, f: impl FnOnce(&[Upload]) -> T) -> T {
        self.drawn.track();
        self.items.track();
        leptos::reactive::graph::untrack(|| self.items.with_untracked(|items| f(items)))
    }

    /// What the server last said of the file's current image, if anything.
    fn remote<T>(self, u: Upload, f: impl FnOnce(&ServerView) -> T) -> Option<T> {
        let id = u.image_id()?;
        u.remote
            .with(|r| r.as_ref().filter(|(rid, _)| *rid == id).map(|(_, v)| f(v)))
    }

    /// The narrowest processed variant of the file's image, once there is one.
    /// Rows show it rather than decoding the local original: decoding dozens of
    /// multi-megapixel photos for 48-pixel previews held the uploads up by a second.
    pub fn thumbnail(self, u: Upload) -> Option<String> {
        self.remote(u, |v| v.thumbnail.clone()).flatten()
    }

    /// The row's status text: the upload's own phase, then the server's processing status.
    pub fn status_text(self, u: Upload) -> String {
        let phase = u.shown.get();
        if phase != Phase::Uploaded {
            return phase.text();
        }
        match self.remote(u, |v| (v.status, v.error.clone())) {
            Some((ImageStatus::Ready, _)) => "Ready".into(),
            Some((ImageStatus::Failed, err)) => format!("Failed: {}", err.unwrap_or_default()),
            // Uploaded and waiting for the worker, or being processed.
            _ => "Processing".into(),
        }
    }

    /// The upload row behind gallery image `id`, looked up without subscribing:
    /// a tile that tracked the whole list re-ran whenever any of a thousand
    /// files got its ticket (seconds of main-thread work per listing).
    pub fn upload_of(self, id: Uuid) -> Option<Upload> {
        self.by_image
            .with_value(|m| m.get(&id).copied())
            .filter(|u| u.image_id_untracked() == Some(id))
    }

    /// What the upload list says of the file behind gallery image `id`, when
    /// this page is uploading it: the gallery's tile says the same. Follows the
    /// list (and that row) only, so a ticket that comes later is seen.
    pub fn status_of(self, id: Uuid) -> Option<String> {
        self.items.track();
        let u = self.upload_of(id)?;
        u.ticket.track();
        Some(self.status_text(u))
    }

    /// True once the file arrived and the server made it ready (its row reads "Ready").
    pub fn ready(self, u: Upload) -> bool {
        u.shown.with(|p| *p == Phase::Uploaded) && self.remote(u, |v| v.status == ImageStatus::Ready) == Some(true)
    }

    /// True for a ready file of an earlier batch: its row folds away.
    pub fn folded(self, u: Upload) -> bool {
        u.id < self.latest_batch.get() && self.ready(u)
    }

    /// True when the file arrived but its processing failed on the server.
    pub fn processing_failed(self, u: Upload) -> bool {
        u.shown.with(|p| *p == Phase::Uploaded) && self.remote(u, |v| v.status == ImageStatus::Failed) == Some(true)
    }

    /// The server's limits replace the defaults once known.
    pub fn set_limits(self, limits: UploadLimits) {
        self.limits.set_value(limits);
    }

    /// True while the server may still change a status without the user doing
    /// anything: images being processed, and pending images this page is still
    /// uploading. A pending image nobody uploads (an abandoned upload) changes
    /// only when the janitor removes it, so it does not keep the page polling.
    pub fn server_busy(self) -> bool {
        let mine: std::collections::HashSet<Uuid> = self.items.with_untracked(|items| {
            items
                .iter()
                .filter(|u| u.phase.with_value(Phase::moving))
                .filter_map(|u| u.image_id())
                .collect()
        });
        self.server.with_value(|s| {
            s.iter().any(|(id, v)| match v.status {
                ImageStatus::Uploaded | ImageStatus::Processing => true,
                ImageStatus::Pending => mine.contains(id),
                ImageStatus::Ready | ImageStatus::Failed => false,
            })
        })
    }

    /// What the summary and the "earlier uploads" toggle count, in one pass
    /// over the rows (it runs at every drawing, over every row of a drop).
    pub fn counts(self) -> Counts {
        let latest_batch = self.latest_batch.get();
        self.counting(|items| {
            let mut c = Counts::default();
            let (mut active, mut sent, mut total) = (false, 0.0, 0.0);
            for &u in items {
                let (ready, failed_there) = (self.ready(u), self.processing_failed(u));
                u.shown.with_untracked(|phase| match phase {
                    Phase::Duplicate => c.present += 1,
                    Phase::Cancelled => {}
                    phase => {
                        c.live += 1;
                        c.done += usize::from(*phase == Phase::Uploaded);
                        c.failed += usize::from(matches!(phase, Phase::Failed(_)) || failed_there);
                        c.folded += usize::from(u.id < latest_batch && ready);
                        active |= matches!(phase, Phase::Uploading | Phase::Queued | Phase::Waiting);
                        sent += u.sent.get_untracked();
                        if u.retryable.get_value() {
                            total += u.size as f64;
                        }
                    }
                });
            }
            c.eta = self.started_at.get_value().filter(|_| active).and_then(|t0| {
                let secs = (now_ms() - t0) / 1000.0;
                (secs > 0.5 && sent > 0.0).then(|| {
                    let rate = sent / secs;
                    let left = ((total - sent).max(0.0) / rate).ceil();
                    format!("{:.1} MB/s, about {left} s left", rate / 1e6)
                })
            });
            c
        })
    }
}

/// The uploader's figures (see `Engine::counts`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    /// Files uploaded, of `live` (not cancelled, not already in the gallery).
    pub done: usize,
    pub live: usize,
    /// Files already in this gallery (not uploaded again).
    pub present: usize,
    /// Files whose upload or processing failed.
    pub failed: usize,
    /// Ready rows of earlier batches, folded away.
    pub folded: usize,
    /// Speed and time left, while files are moving.
    pub eta: Option<String>,
}

/// Gives row `u` the server's view of its image, if it has none or an older
/// one. True when the row was woken.
fn bring_up(u: Upload, server: &std::collections::HashMap<Uuid, ServerView>) -> bool {
    let Some(id) = u.image_id_untracked() else { return false };
    let Some(view) = server.get(&id) else { return false };
    if u.remote
        .with_untracked(|r| r.as_ref().map(|(rid, v)| (*rid, v)) == Some((id, view)))
    {
        return false;
    }
    u.remote.set(Some((id, view.clone())));
    true
}
