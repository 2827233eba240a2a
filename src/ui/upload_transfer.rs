//! Moving one file's bytes: the PUT through its presigned URL (retried with
//! backoff, renewed when the URL expired), then the server's verification,
//! which the transfer worker requests itself as soon as the bytes are stored.

use leptos::prelude::*;

use super::{
    transfers::{Completion, PutError, PutOutcome, completions_url, sleep},
    upload_engine::Engine,
    upload_item::{Phase, Transferred, Upload},
};

use crate::{
    api::{complete_upload, renew_upload},
    error::AppError,
    model::{ImageDto, ImageStatus},
};

/// Tries per file before it is shown as failed (network errors, 5xx).
const MAX_ATTEMPTS: u32 = 4;
const BACKOFF_BASE_MS: u64 = 500;

impl Engine {
    /// Transfers the file (`first`: how a PUT the worker started on its own
    /// ended), then has what was stored verified.
    pub(super) async fn finish(self, u: Upload, first: Option<Result<PutOutcome, PutError>>) {
        match self.transfer(u, first).await {
            Transferred::Verified(status, body) => self.verified(u, status, &body),
            Transferred::Stored => self.verify(u).await,
            Transferred::Failed => {}
        }
        self.refresh_gallery_soon();
    }

    /// PUTs the file, retrying network trouble and renewing an expired URL.
    async fn transfer(self, u: Upload, mut first: Option<Result<PutOutcome, PutError>>) -> Transferred {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(ticket) = u.ticket.get_untracked() else {
                return Transferred::Failed;
            };
            let transfers = match self.transfers() {
                Ok(t) => t,
                Err(e) => {
                    self.fail(u, format!("the browser could not start uploads: {e}"), true);
                    return Transferred::Failed;
                }
            };
            let file = u.file.get_value();
            let complete = Completion {
                url: completions_url(),
                image_id: ticket.image_id,
            };
            let result = match first.take() {
                Some(result) => result,
                None => {
                    transfers
                        .put(
                            &ticket.url,
                            &ticket.headers,
                            &file,
                            ticket.multipart.as_ref(),
                            complete,
                            |job| u.job.set_value(Some(job)),
                            move || self.started(u),
                            move |loaded| self.note_progress(u, loaded),
                        )
                        .await
                }
            };
            u.job.set_value(None);
            if u.phase() == Phase::Cancelled {
                return Transferred::Failed;
            }
            let problem = match result {
                // Stored; with If-None-Match a 412 means an earlier try got through but its
                // answer was lost. Completion checks what was stored either way.
                Ok(PutOutcome { status, verified }) if (200..300).contains(&status) || status == 412 => {
                    return match verified {
                        Some((answer, body)) => Transferred::Verified(answer, body),
                        None => Transferred::Stored,
                    };
                }
                // 403 is what an expired signature gets: ask for a fresh URL and go again.
                Ok(PutOutcome { status: 403, .. }) => match renew_upload(ticket.image_id).await {
                    Ok(fresh) => {
                        u.ticket.set(Some(fresh));
                        "storage refused the upload (HTTP 403)".to_string()
                    }
                    Err(e) => {
                        self.fail(u, e.to_string(), true);
                        return Transferred::Failed;
                    }
                },
                Ok(PutOutcome { status, .. }) => format!("storage answered HTTP {status}"),
                Err(PutError::Network) => "network error".to_string(),
                Err(PutError::Aborted) => return Transferred::Failed,
                Err(PutError::Setup(e)) => {
                    self.fail(u, format!("the browser could not send the file: {e}"), true);
                    return Transferred::Failed;
                }
            };
            if attempt >= MAX_ATTEMPTS {
                self.fail(u, problem, true);
                return Transferred::Failed;
            }
            self.note_progress(u, 0.0);
            sleep(BACKOFF_BASE_MS << (attempt - 1)).await;
        }
    }

    /// Asks the server to check what was stored and queue its processing
    /// (when the worker could not ask it itself).
    pub(super) async fn verify(self, u: Upload) {
        self.note_progress(u, u.size as f64);
        self.set_phase(u, Phase::Verifying);
        let Some(ticket) = u.ticket.get_untracked() else { return };
        self.settle(u, complete_upload(ticket.image_id).await);
    }

    /// Takes the server's answer to the completion the worker sent.
    pub(super) fn verified(self, u: Upload, status: u16, body: &str) {
        self.note_progress(u, u.size as f64);
        let answer = if status == 200 {
            serde_json::from_str::<ImageDto>(body).map_err(|e| AppError::Request(e.to_string()))
        } else {
            Err(serde_json::from_str::<AppError>(body).unwrap_or(AppError::Request(format!("HTTP {status}"))))
        };
        self.settle(u, answer);
    }

    /// The file's phase after its completion answer.
    fn settle(self, u: Upload, answer: Result<ImageDto, AppError>) {
        match answer {
            Ok(img) if img.status == ImageStatus::Failed => self.fail(u, img.error.unwrap_or_default(), true),
            Ok(_) => self.set_phase(u, Phase::Uploaded),
            Err(e) => self.fail(u, e.to_string(), true),
        }
    }
}
