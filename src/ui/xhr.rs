//! A PUT through XMLHttpRequest, as a future, because only XHR reports upload
//! progress in browsers (fetch does not). Also a timer-based `sleep`.

use futures::channel::oneshot;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{File, ProgressEvent, XmlHttpRequest};

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

/// Sends `file` with a PUT and exactly `headers` (the signature covers them);
/// reports `(bytes sent, total)` as it goes and hands the request to `on_start`
/// so the caller can abort it. Returns the HTTP status.
pub async fn put_file(
    url: &str,
    headers: &[(String, String)],
    file: &File,
    on_start: impl FnOnce(XmlHttpRequest),
    on_progress: impl Fn(f64, f64) + 'static,
) -> Result<u16, PutError> {
    let setup = |e: wasm_bindgen::JsValue| PutError::Setup(format!("{e:?}"));
    let xhr = XmlHttpRequest::new().map_err(setup)?;
    xhr.open("PUT", url).map_err(setup)?;
    for (name, value) in headers {
        xhr.set_request_header(name, value).map_err(setup)?;
    }

    let (tx, rx) = oneshot::channel::<Result<u16, PutError>>();
    let tx = std::rc::Rc::new(std::cell::RefCell::new(Some(tx)));
    let finish = move |r: Result<u16, PutError>| {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(r);
        }
    };

    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() {
            on_progress(e.loaded(), e.total());
        }
    });
    let on_load = {
        let (finish, xhr) = (finish.clone(), xhr.clone());
        Closure::<dyn FnMut()>::new(move || finish(Ok(xhr.status().unwrap_or(0))))
    };
    let on_error = {
        let finish = finish.clone();
        Closure::<dyn FnMut()>::new(move || finish(Err(PutError::Network)))
    };
    let on_abort = Closure::<dyn FnMut()>::new(move || finish(Err(PutError::Aborted)));

    let upload = xhr.upload().map_err(setup)?;
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    xhr.send_with_opt_blob(Some(file)).map_err(setup)?;
    on_start(xhr.clone());

    // The closures must live until the request ends; they drop with this frame.
    let result = rx.await.unwrap_or(Err(PutError::Aborted));
    xhr.set_onload(None);
    xhr.set_onerror(None);
    xhr.set_ontimeout(None);
    xhr.set_onabort(None);
    upload.set_onprogress(None);
    drop((progress, on_load, on_error, on_abort));
    result
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
