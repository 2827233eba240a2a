//! One file in the upload queue: its phase, progress and ticket. The engine
//! changes the plain values (`phase`, `raw_sent`) as events arrive; the signals
//! the page draws (`shown`, `sent`, `progress`) follow at the next drawing (see
//! `Engine::draw_soon`), so a batch's hundreds of events cost a few frames.

use leptos::prelude::*;
use web_sys::File;

use super::upload_engine::ServerView;
use crate::model::{FileSpec, ImageStatus, UploadTicket};

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Waiting,
    /// Handed to the transfer worker, waiting for a free slot there.
    Queued,
    Uploading,
    Verifying,
    Uploaded,
    Failed(String),
    Cancelled,
    /// The same bytes are already in the gallery: not uploaded unless asked.
    Duplicate,
}

impl Phase {
    /// Still on its way to the server (waiting, queued, uploading or being verified).
    pub fn moving(&self) -> bool {
        matches!(self, Self::Waiting | Self::Queued | Self::Uploading | Self::Verifying)
    }

    pub fn text(&self) -> String {
        match self {
            Self::Waiting | Self::Queued => "Waiting".into(),
            Self::Uploading | Self::Verifying => "Uploading".into(),
            Self::Uploaded => ImageStatus::Uploaded.label().into(),
            Self::Failed(reason) => format!("Failed: {reason}"),
            Self::Cancelled => "Cancelled".into(),
            Self::Duplicate => "Already in this gallery".into(),
        }
    }
}

/// One file in the queue. All handles, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Upload {
    pub id: usize,
    pub name: StoredValue<String>,
    pub size: u64,
    pub(super) content_type: StoredValue<String>,
    /// The file's SHA-256 (hex), once the worker has computed it.
    pub(super) sha256: StoredValue<Option<String>>,
    pub(super) file: StoredValue<File, LocalStorage>,
    /// Percent and bytes sent, as the page shows them (updated at each drawing).
    pub progress: RwSignal<f64>,
    pub sent: RwSignal<f64>,
    /// Bytes sent as the network last reported them (every progress event).
    pub(super) raw_sent: StoredValue<f64>,
    /// Where the file is now: what the engine decides by.
    pub(super) phase: StoredValue<Phase>,
    /// The phase the page shows (follows `phase` at each drawing).
    pub shown: RwSignal<Phase>,
    /// False for files refused by validation: retrying cannot help them.
    pub retryable: StoredValue<bool>,
    pub(super) ticket: RwSignal<Option<UploadTicket>>,
    /// What the server last said of this file's image (and which image that was).
    /// Each row follows its own: rows that all watched one map of the gallery
    /// re-ran together at every listing, and a signal's thousands of readers
    /// cost quadratic time to unsubscribe.
    pub(super) remote: RwSignal<Option<(uuid::Uuid, ServerView)>>,
    /// The user said "Upload anyway" to a file already in the gallery.
    pub(super) anyway: StoredValue<bool>,
    /// The transfer worker's id for the running PUT, to abort it.
    pub(super) job: StoredValue<Option<u32>>,
    /// A failed gallery image this file replaces, and its place in the gallery.
    pub(super) replaces: StoredValue<Option<(uuid::Uuid, usize)>>,
}

impl Upload {
    pub(super) fn new(id: usize, file: File) -> Self {
        Self {
            id,
            name: StoredValue::new(file.name()),
            size: file.size() as u64,
            content_type: StoredValue::new(file.type_()),
            sha256: StoredValue::new(None),
            file: StoredValue::new_local(file),
            progress: RwSignal::new(0.0),
            sent: RwSignal::new(0.0),
            raw_sent: StoredValue::new(0.0),
            phase: StoredValue::new(Phase::Waiting),
            shown: RwSignal::new(Phase::Waiting),
            retryable: StoredValue::new(true),
            ticket: RwSignal::new(None),
            remote: RwSignal::new(None),
            anyway: StoredValue::new(false),
            job: StoredValue::new(None),
            replaces: StoredValue::new(None),
        }
    }

    pub(super) fn spec(&self) -> FileSpec {
        FileSpec {
            name: self.name.get_value(),
            size: self.size,
            content_type: self.content_type.get_value(),
            sha256: self.sha256.get_value(),
            skip_if_present: !self.anyway.get_value(),
            // The upload worker sends big files in parts, and resumes them.
            in_parts: true,
        }
    }

    /// The file's current phase (untracked: drawing shows it).
    pub(super) fn phase(&self) -> Phase {
        self.phase.get_value()
    }

    /// Brings the signals the page draws up to date; false when nothing changed.
    pub(super) fn draw(&self) -> bool {
        let mut changed = false;
        let phase = self.phase.get_value();
        if self.shown.get_untracked() != phase {
            self.shown.set(phase);
            changed = true;
        }
        let bytes = self.raw_sent.get_value();
        if bytes != self.sent.get_untracked() {
            self.sent.set(bytes);
            self.progress
                .set((bytes / (self.size.max(1) as f64) * 100.0).min(100.0));
            changed = true;
        }
        changed
    }

    /// The server's image for this file, once it has a ticket.
    pub fn image_id(&self) -> Option<uuid::Uuid> {
        self.ticket.with(|t| t.as_ref().map(|t| t.image_id))
    }

    /// The same, read without subscribing to the ticket.
    pub fn image_id_untracked(&self) -> Option<uuid::Uuid> {
        self.ticket.with_untracked(|t| t.as_ref().map(|t| t.image_id))
    }
}

/// How a file's transfer ended.
pub(super) enum Transferred {
    /// Not stored (failed, cancelled): the row says why.
    Failed,
    /// Stored; the page must ask the server to verify it.
    Stored,
    /// Stored, and the worker asked the server to verify it: the answer's status and body.
    Verified(u16, String),
}
