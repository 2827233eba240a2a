//! File transfers through a Web Worker (`public/upload-worker.js`), so that
//! page rendering never delays a ticket or a PUT: the worker digests a batch's
//! files, asks for their tickets, keeps its own queue and runs the parallel
//! limit's worth of XMLHttpRequests (only XHR reports upload progress). Here
//! each ticket and each transfer is a future; also a timer-based `sleep`.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use futures::channel::oneshot;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{File, MessageEvent, Worker};

use super::transfer_batch::ticket_answer;
pub use super::transfer_batch::{BatchFile, BatchJob, TicketAnswer};

/// Where the worker asks for the URLs of a big file's parts.
pub(super) fn parts_url() -> &'static str {
    <crate::api::SignParts as leptos::server_fn::ServerFn>::PATH
}

/// A part plan as the worker reads it (`undefined` for a single PUT).
fn plan_value(plan: Option<&crate::model::PartPlan>) -> JsValue {
    plan.and_then(|p| serde_json::to_string(p).ok())
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// Where the worker script is served (copied from `public/` into the site root).
const WORKER_URL: &str = "/upload-worker.js";

/// How a PUT ended when it did not get an HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PutError {
    /// No answer: offline, connection reset, DNS. Worth retrying.
    Network,
    /// Cancelled by the user.
    Aborted,
    /// The browser refused to start the request.
    Setup(String),
}

/// How a PUT that got an HTTP answer ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutOutcome {
    pub status: u16,
    /// The server's answer to the completion request, when the worker sent it:
    /// its HTTP status and body.
    pub verified: Option<(u16, String)>,
}

/// Where the worker asks to verify the file once it is stored (with the
/// other files stored meanwhile, in one `complete_uploads` request).
pub struct Completion {
    pub url: &'static str,
    pub image_id: uuid::Uuid,
}

/// The batch completion endpoint the worker posts to.
pub(super) fn completions_url() -> &'static str {
    <crate::api::CompleteUploads as leptos::server_fn::ServerFn>::PATH
}

pub(super) struct Pending {
    pub(super) on_start: Box<dyn FnOnce()>,
    pub(super) on_progress: Box<dyn Fn(f64)>,
    pub(super) done: oneshot::Sender<Result<PutOutcome, PutError>>,
}

/// The page's side of the upload worker.
pub struct Transfers {
    pub(super) worker: Worker,
    pub(super) pending: PendingMap,
    pub(super) tickets: TicketMap,
    next_id: RefCell<u32>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

pub(super) fn field(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn message(pairs: &[(&str, JsValue)]) -> Object {
    let obj = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
    }
    obj
}

pub(super) type PendingMap = Rc<RefCell<HashMap<u32, Pending>>>;
pub(super) type TicketMap = Rc<RefCell<HashMap<u32, oneshot::Sender<TicketAnswer>>>>;

/// Hands one of the worker's reports to whoever waits for it. Callbacks run
/// after each borrow ends: they may start or abort transfers.
fn on_report(pending: &PendingMap, tickets: &TicketMap, data: &JsValue) {
    let id = field(data, "id").as_f64().unwrap_or(-1.0) as u32;
    let kind = field(data, "type").as_string().unwrap_or_default();
    match kind.as_str() {
        "ticket" | "refused" | "unticketed" => {
            if kind != "ticket" {
                // No transfer follows.
                pending.borrow_mut().remove(&id);
            }
            let tx = tickets.borrow_mut().remove(&id);
            if let (Some(tx), Some(answer)) = (tx, ticket_answer(&kind, data)) {
                let _ = tx.send(answer);
            }
        }
        "started" => {
            let start = pending
                .borrow_mut()
                .get_mut(&id)
                .map(|p| std::mem::replace(&mut p.on_start, Box::new(|| ())));
            if let Some(start) = start {
                start();
            }
        }
        "progress" => {
            let loaded = field(data, "loaded").as_f64().unwrap_or_default();
            let progress = pending
                .borrow_mut()
                .get_mut(&id)
                .map(|p| std::mem::replace(&mut p.on_progress, Box::new(|_| ())));
            if let Some(progress) = progress {
                progress(loaded);
                if let Some(p) = pending.borrow_mut().get_mut(&id) {
                    p.on_progress = progress;
                }
            }
        }
        other => {
            let status = field(data, "status").as_f64().unwrap_or_default() as u16;
            let result = match other {
                "done" => Ok(PutOutcome { status, verified: None }),
                "verified" => {
                    let answer = field(data, "answer").as_f64().unwrap_or_default() as u16;
                    let body = field(data, "body").as_string().unwrap_or_default();
                    Ok(PutOutcome {
                        status,
                        verified: Some((answer, body)),
                    })
                }
                "failed" => Err(PutError::Network),
                _ => Err(PutError::Aborted),
            };
            // Aborted before its ticket came: the ticket's future ends too.
            tickets.borrow_mut().remove(&id);
            let done = pending.borrow_mut().remove(&id);
            if let Some(p) = done {
                let _ = p.done.send(result);
            }
        }
    }
}

thread_local! {
    /// One worker per page (the browser runs this code on one thread).
    static SHARED: RefCell<Option<Rc<Transfers>>> = const { RefCell::new(None) };
}

impl Transfers {
    /// The page's worker, started on first use with `parallel` transfers at a time.
    pub fn shared(parallel: usize) -> Result<Rc<Self>, String> {
        if let Some(t) = SHARED.with_borrow(Clone::clone) {
            return Ok(t);
        }
        let t = Rc::new(Self::start(parallel)?);
        SHARED.set(Some(t.clone()));
        Ok(t)
    }

    /// Starts a worker, running at most `parallel` transfers at a time.
    fn start(parallel: usize) -> Result<Self, String> {
        let worker = Worker::new(WORKER_URL).map_err(|e| format!("{e:?}"))?;
        let pending: PendingMap = Rc::default();
        let tickets: TicketMap = Rc::default();
        let on_message = {
            let (pending, tickets) = (pending.clone(), tickets.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                // The worker sends its reports in batches (one page task each).
                for data in Array::from(&e.data()).iter() {
                    on_report(&pending, &tickets, &data);
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let _ = worker.post_message(&message(&[
            ("type", "parallel".into()),
            ("n", (parallel as f64).into()),
        ]));
        Ok(Self {
            worker,
            pending,
            tickets,
            next_id: RefCell::new(0),
            _on_message: on_message,
        })
    }

    /// Queues a PUT of `file` with exactly `headers`, then `complete` once it is
    /// stored; `on_job` gets its id (for `abort`), `on_start` runs when it leaves
    /// the queue, `on_progress` gets the bytes sent.
    #[allow(clippy::too_many_arguments)]
    pub async fn put(
        &self,
        url: &str,
        headers: &[(String, String)],
        file: &File,
        plan: Option<&crate::model::PartPlan>,
        complete: Completion,
        on_job: impl FnOnce(u32),
        on_start: impl FnOnce() + 'static,
        on_progress: impl Fn(f64) + 'static,
    ) -> Result<PutOutcome, PutError> {
        let id = self.next_id();
        let (tx, rx) = oneshot::channel();
        let pending = Pending {
            on_start: Box::new(on_start),
            on_progress: Box::new(on_progress),
            done: tx,
        };
        self.pending.borrow_mut().insert(id, pending);
        let pairs: Array = headers
            .iter()
            .map(|(k, v)| Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)))
            .collect();
        let msg = message(&[
            ("type", "put".into()),
            ("id", (id as f64).into()),
            ("url", url.into()),
            ("headers", pairs.into()),
            ("file", file.into()),
            ("multipart", plan_value(plan)),
            ("parts_url", parts_url().into()),
            (
                "complete",
                message(&[
                    ("url", complete.url.into()),
                    ("image_id", complete.image_id.to_string().into()),
                ])
                .into(),
            ),
        ]);
        if let Err(e) = self.worker.post_message(&msg) {
            self.pending.borrow_mut().remove(&id);
            return Err(PutError::Setup(format!("{e:?}")));
        }
        on_job(id);
        rx.await.unwrap_or(Err(PutError::Aborted))
    }

    pub(super) fn next_id(&self) -> u32 {
        let mut n = self.next_id.borrow_mut();
        *n += 1;
        *n
    }

    /// Stops a queued or running transfer; its `put` resolves as aborted.
    pub fn abort(&self, id: u32) {
        let _ = self
            .worker
            .post_message(&message(&[("type", "abort".into()), ("id", (id as f64).into())]));
    }
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep(ms: u64) {
    let (tx, rx) = oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = tx.send(());
        },
        std::time::Duration::from_millis(ms),
    );
    let _ = rx.await;
}
