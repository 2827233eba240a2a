//! Batches through the upload worker: the files of a drop go over in one
//! message, and each comes back as a ticket's answer, then a transfer.

use futures::channel::oneshot;
use js_sys::Array;
use wasm_bindgen::JsValue;
use web_sys::File;

use super::transfers::{Pending, PutError, PutOutcome, Transfers, field, message};
use crate::model::{BatchFailure, FileSpec, UploadTicket};

/// What the worker's ticket request got for one file of a batch.
pub enum TicketAnswer {
    /// The ticket, with the file's SHA-256 it binds (its PUT is queued already).
    Ticket(UploadTicket, Option<String>),
    /// The server refused the file (a duplicate, too big…), with its SHA-256.
    Refused(BatchFailure, Option<String>),
    /// The request got no usable answer: its HTTP status (0: none) and body.
    Unanswered(u16, String),
}

/// One file of a batch, as the page hands it over.
pub struct BatchFile {
    pub file: File,
    pub spec: FileSpec,
    pub on_start: Box<dyn FnOnce()>,
    pub on_progress: Box<dyn Fn(f64)>,
}

/// A batch file's futures: its ticket (cancelled if the file was aborted
/// first), then its transfer.
pub struct BatchJob {
    pub id: u32,
    pub ticket: oneshot::Receiver<TicketAnswer>,
    pub done: oneshot::Receiver<Result<PutOutcome, PutError>>,
}

/// A worker's report field holding a JSON object, as the wire type it is.
fn parsed<T: serde::de::DeserializeOwned>(data: &JsValue, name: &str) -> Option<T> {
    let text = js_sys::JSON::stringify(&field(data, name)).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

/// What a ticket report says, if `kind` is one.
pub(super) fn ticket_answer(kind: &str, data: &JsValue) -> Option<TicketAnswer> {
    let sha256 = field(data, "sha256").as_string();
    match kind {
        "ticket" => parsed(data, "ticket").map(|t| TicketAnswer::Ticket(t, sha256)),
        "refused" => parsed(data, "failure").map(|f| TicketAnswer::Refused(f, sha256)),
        "unticketed" => Some(TicketAnswer::Unanswered(
            field(data, "status").as_f64().unwrap_or_default() as u16,
            field(data, "body").as_string().unwrap_or_default(),
        )),
        _ => None,
    }
}

impl Transfers {
    /// Hands `files` to the worker, which digests each, asks `begin_url` for
    /// their tickets (for `product_id`, in this order) and PUTs each ticketed
    /// file, then asks `complete_url` to verify it.
    pub fn batch(
        &self,
        begin_url: &str,
        product_id: uuid::Uuid,
        complete_url: &str,
        files: Vec<BatchFile>,
    ) -> Result<Vec<BatchJob>, String> {
        let mut jobs = Vec::with_capacity(files.len());
        let entries = Array::new();
        for f in files {
            let id = self.next_id();
            let (done_tx, done) = oneshot::channel();
            let (ticket_tx, ticket) = oneshot::channel();
            self.pending.borrow_mut().insert(
                id,
                Pending {
                    on_start: f.on_start,
                    on_progress: f.on_progress,
                    done: done_tx,
                },
            );
            self.tickets.borrow_mut().insert(id, ticket_tx);
            let spec = serde_json::to_string(&f.spec).map_err(|e| e.to_string())?;
            let spec = js_sys::JSON::parse(&spec).map_err(|e| format!("{e:?}"))?;
            entries.push(&message(&[
                ("id", (id as f64).into()),
                ("file", f.file.into()),
                ("spec", spec),
            ]));
            jobs.push(BatchJob { id, ticket, done });
        }
        let begin = message(&[("url", begin_url.into()), ("product_id", product_id.to_string().into())]);
        let msg = message(&[
            ("type", "batch".into()),
            ("begin", begin.into()),
            ("complete_url", complete_url.into()),
            ("parts_url", super::transfers::parts_url().into()),
            ("files", entries.into()),
        ]);
        self.worker.post_message(&msg).map_err(|e| {
            for job in &jobs {
                self.pending.borrow_mut().remove(&job.id);
                self.tickets.borrow_mut().remove(&job.id);
            }
            format!("{e:?}")
        })?;
        Ok(jobs)
    }
}
