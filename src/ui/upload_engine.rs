//! The browser's upload queue: validate, ask for tickets, PUT each file
//! straight to storage (a few at a time), retry with backoff, renew expired
//! URLs, then ask the server to verify. Views read its signals.

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use web_sys::{File, XmlHttpRequest};

use super::xhr::{PutError, put_file, sleep};
use crate::{
    api::{begin_upload, cancel_upload, complete_upload, renew_upload},
    model::{FailureKind, FileSpec, ImageDto, ImageStatus, UploadLimits, UploadTicket},
    validate::check_file,
};

/// Tries per file before it is shown as failed (network errors, 5xx).
const MAX_ATTEMPTS: u32 = 4;
const BACKOFF_BASE_MS: u64 = 500;
/// Files finishing within this window share one gallery refresh.
const REFRESH_COALESCE_MS: u64 = 1000;

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Waiting,
    Uploading,
    Verifying,
    Uploaded,
    Failed(String),
    Cancelled,
}

impl Phase {
    pub fn text(&self) -> String {
        match self {
            Self::Waiting => "Waiting".into(),
            Self::Uploading | Self::Verifying => "Uploading".into(),
            Self::Uploaded => ImageStatus::Uploaded.label().into(),
            Self::Failed(reason) => format!("Failed: {reason}"),
            Self::Cancelled => "Cancelled".into(),
        }
    }
}

/// One file in the queue. All handles, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Upload {
    pub id: usize,
    pub name: StoredValue<String>,
    pub size: u64,
    content_type: StoredValue<String>,
    file: StoredValue<File, LocalStorage>,
    pub preview: StoredValue<Option<gloo_file::ObjectUrl>, LocalStorage>,
    pub progress: RwSignal<f64>,
    pub sent: RwSignal<f64>,
    pub phase: RwSignal<Phase>,
    /// False for files refused by validation: retrying cannot help them.
    pub retryable: RwSignal<bool>,
    ticket: RwSignal<Option<UploadTicket>>,
    xhr: StoredValue<Option<XmlHttpRequest>, LocalStorage>,
}

impl Upload {
    fn spec(&self) -> FileSpec {
        FileSpec {
            name: self.name.get_value(),
            size: self.size,
            content_type: self.content_type.get_value(),
        }
    }

    fn fail(&self, reason: impl Into<String>, retryable: bool) {
        self.phase.set(Phase::Failed(reason.into()));
        self.retryable.set(retryable);
    }
}

#[derive(Clone, Copy)]
pub struct Engine {
    product_id: Uuid,
    limits: StoredValue<UploadLimits>,
    pub items: RwSignal<Vec<Upload>>,
    /// Bumped whenever the server's view of the gallery may have changed.
    pub gallery_version: RwSignal<u32>,
    /// What the server last said of each uploaded image (processing happens there).
    server: RwSignal<std::collections::HashMap<Uuid, (ImageStatus, Option<String>)>>,
    next_id: StoredValue<usize>,
    /// Files transferring now (verification does not hold a slot).
    in_flight: StoredValue<usize>,
    refresh_pending: StoredValue<bool>,
    started_at: StoredValue<Option<f64>>,
    /// The page's reactive owner: uploads' signals live as long as the page, not as
    /// long as whichever component happened to receive the drop.
    owner: StoredValue<Owner>,
}

fn now_ms() -> f64 {
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
            server: RwSignal::new(Default::default()),
            next_id: StoredValue::new(0),
            in_flight: StoredValue::new(0),
            refresh_pending: StoredValue::new(false),
            started_at: StoredValue::new(None),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        }
    }

    /// Queues files: refused ones show their reason at once, the rest get tickets.
    pub fn add_files(self, files: Vec<File>) {
        let owner = self.owner.get_value();
        owner.with(|| self.add_files_owned(files));
    }

    fn add_files_owned(self, files: Vec<File>) {
        let mut accepted = Vec::new();
        let mut added = Vec::new();
        for file in files {
            let id = self.next_id.get_value();
            self.next_id.set_value(id + 1);
            let spec = FileSpec {
                name: file.name(),
                size: file.size() as u64,
                content_type: file.type_(),
            };
            let preview = gloo_file::ObjectUrl::from(gloo_file::File::from(file.clone()));
            let u = Upload {
                id,
                name: StoredValue::new(spec.name.clone()),
                size: spec.size,
                content_type: StoredValue::new(spec.content_type.clone()),
                file: StoredValue::new_local(file),
                preview: StoredValue::new_local(Some(preview)),
                progress: RwSignal::new(0.0),
                sent: RwSignal::new(0.0),
                phase: RwSignal::new(Phase::Waiting),
                retryable: RwSignal::new(true),
                ticket: RwSignal::new(None),
                xhr: StoredValue::new_local(None),
            };
            match check_file(&spec, &self.limits.get_value()) {
                Ok(_) => accepted.push(u),
                Err((_, reason)) => u.fail(reason, false),
            }
            added.push(u);
        }
        self.items.update(|items| items.extend(added));
        if !accepted.is_empty() {
            spawn_local(self.request_tickets(accepted));
        }
    }

    async fn request_tickets(self, uploads: Vec<Upload>) {
        let specs = uploads.iter().map(Upload::spec).collect();
        match begin_upload(self.product_id, specs).await {
            Err(e) => uploads.iter().for_each(|u| u.fail(e.to_string(), true)),
            Ok(batch) => {
                for t in batch.successful {
                    if let Some(u) = uploads.get(t.index) {
                        u.ticket.set(Some(t));
                    }
                }
                for f in batch.failed {
                    if let Some(u) = uploads.get(f.index) {
                        u.fail(f.reason, matches!(f.kind, FailureKind::Storage | FailureKind::Internal));
                    }
                }
            }
        }
        self.gallery_version.update(|v| *v += 1);
        self.pump();
    }

    /// Starts waiting files while fewer than the parallel limit are transferring.
    /// A slot is freed as soon as its bytes are stored: verification and the
    /// gallery refresh happen beside the transfers, never in their way.
    fn pump(self) {
        while self.in_flight.get_value() < self.limits.get_value().parallel_uploads.max(1) {
            let next = self.items.with_untracked(|items| {
                items
                    .iter()
                    .find(|u| u.phase.get_untracked() == Phase::Waiting && u.ticket.with_untracked(Option::is_some))
                    .copied()
            });
            let Some(u) = next else { break };
            u.phase.set(Phase::Uploading);
            self.in_flight.update_value(|n| *n += 1);
            if self.started_at.get_value().is_none() {
                self.started_at.set_value(Some(now_ms()));
            }
            spawn_local(async move {
                let stored = self.transfer(u).await;
                self.in_flight.update_value(|n| *n -= 1);
                self.pump();
                if stored {
                    self.verify(u).await;
                }
                self.refresh_gallery_soon();
            });
        }
    }

    /// Asks for one gallery refresh within `REFRESH_COALESCE_MS`, however many
    /// files finish meanwhile (40 uploads used to cost 40 listings).
    fn refresh_gallery_soon(self) {
        if self.refresh_pending.get_value() {
            return;
        }
        self.refresh_pending.set_value(true);
        spawn_local(async move {
            sleep(REFRESH_COALESCE_MS).await;
            self.refresh_pending.set_value(false);
            self.gallery_version.update(|v| *v += 1);
        });
    }

    /// PUTs the file, retrying network trouble and renewing an expired URL.
    /// True when storage accepted every byte.
    async fn transfer(self, u: Upload) -> bool {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(ticket) = u.ticket.get_untracked() else {
                return false;
            };
            let file = u.file.get_value();
            let (progress, sent) = (u.progress, u.sent);
            let result = put_file(
                &ticket.url,
                &ticket.headers,
                &file,
                |xhr| u.xhr.set_value(Some(xhr)),
                move |loaded, total| {
                    sent.set(loaded);
                    progress.set((loaded / total.max(1.0) * 100.0).min(100.0));
                },
            )
            .await;
            u.xhr.set_value(None);
            if u.phase.get_untracked() == Phase::Cancelled {
                return false;
            }
            let problem = match result {
                Ok(status) if (200..300).contains(&status) => return true,
                // If-None-Match: the object is there already (an earlier try got through
                // but its answer was lost). Completion checks what was stored.
                Ok(412) => return true,
                // 403 is what an expired signature gets: ask for a fresh URL and go again.
                Ok(403) => match renew_upload(ticket.image_id).await {
                    Ok(fresh) => {
                        u.ticket.set(Some(fresh));
                        "storage refused the upload (HTTP 403)".to_string()
                    }
                    Err(e) => {
                        u.fail(e.to_string(), true);
                        return false;
                    }
                },
                Ok(status) => format!("storage answered HTTP {status}"),
                Err(PutError::Network) => "network error".to_string(),
                Err(PutError::Aborted) => return false,
                Err(PutError::Setup(e)) => {
                    u.fail(format!("the browser could not send the file: {e}"), true);
                    return false;
                }
            };
            if attempt >= MAX_ATTEMPTS {
                u.fail(problem, true);
                return false;
            }
            u.progress.set(0.0);
            u.sent.set(0.0);
            sleep(BACKOFF_BASE_MS << (attempt - 1)).await;
        }
    }

    /// Asks the server to check what was stored and queue its processing.
    async fn verify(self, u: Upload) {
        u.progress.set(100.0);
        u.sent.set(u.size as f64);
        u.phase.set(Phase::Verifying);
        let Some(ticket) = u.ticket.get_untracked() else { return };
        match complete_upload(ticket.image_id).await {
            Ok(img) if img.status == ImageStatus::Failed => u.fail(img.error.unwrap_or_default(), true),
            Ok(_) => u.phase.set(Phase::Uploaded),
            Err(e) => u.fail(e.to_string(), true),
        }
    }

    /// Stops a file: the request is aborted and the server forgets the image.
    pub fn cancel(self, u: Upload) {
        u.phase.set(Phase::Cancelled);
        if let Some(xhr) = u.xhr.get_value() {
            let _ = xhr.abort();
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
        u.progress.set(0.0);
        u.sent.set(0.0);
        u.phase.set(Phase::Waiting);
        spawn_local(async move {
            if let Some(t) = old {
                let _ = cancel_upload(t.image_id).await;
            }
            self.request_tickets(vec![u]).await;
        });
    }

    /// Records the server's statuses from a fresh gallery listing.
    pub fn observe(self, images: &[ImageDto]) {
        let map = images.iter().map(|i| (i.id, (i.status, i.error.clone()))).collect();
        self.server.set(map);
    }

    /// The row's status text: the upload's own phase, then the server's processing status.
    pub fn status_text(self, u: Upload) -> String {
        let phase = u.phase.get();
        if phase != Phase::Uploaded {
            return phase.text();
        }
        let id = u.ticket.with(|t| t.as_ref().map(|t| t.image_id));
        match id.and_then(|id| self.server.with(|s| s.get(&id).cloned())) {
            Some((ImageStatus::Ready, _)) => "Ready".into(),
            Some((ImageStatus::Failed, err)) => format!("Failed: {}", err.unwrap_or_default()),
            // Uploaded and waiting for the worker, or being processed.
            _ => "Processing".into(),
        }
    }

    /// The server's limits replace the defaults once known.
    pub fn set_limits(self, limits: UploadLimits) {
        self.limits.set_value(limits);
    }

    /// True while the server may still change a status without the user doing anything.
    pub fn server_busy(self) -> bool {
        self.server.with_untracked(|s| {
            s.values().any(|(st, _)| {
                matches!(
                    st,
                    ImageStatus::Pending | ImageStatus::Uploaded | ImageStatus::Processing
                )
            })
        })
    }

    /// ("{n} of {m} uploaded", speed and time left while uploading).
    pub fn summary(self) -> (usize, usize, Option<String>) {
        self.items.with(|items| {
            let live: Vec<_> = items.iter().filter(|u| u.phase.get() != Phase::Cancelled).collect();
            let done = live.iter().filter(|u| u.phase.get() == Phase::Uploaded).count();
            let active = live
                .iter()
                .any(|u| matches!(u.phase.get(), Phase::Uploading | Phase::Waiting));
            let eta = self.started_at.get_value().filter(|_| active).and_then(|t0| {
                let secs = (now_ms() - t0) / 1000.0;
                let sent: f64 = live.iter().map(|u| u.sent.get()).sum();
                let total: f64 = live.iter().filter(|u| u.retryable.get()).map(|u| u.size as f64).sum();
                (secs > 0.5 && sent > 0.0).then(|| {
                    let rate = sent / secs;
                    let left = ((total - sent).max(0.0) / rate).ceil();
                    format!("{:.1} MB/s, about {left} s left", rate / 1e6)
                })
            });
            (done, live.len(), eta)
        })
    }
}
