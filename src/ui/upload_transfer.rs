//! Moving one file's bytes: the PUT through its presigned URL (retried with
//! backoff, renewed when the URL expired), then the server's verification.

use leptos::prelude::*;

use super::{
    upload_engine::Engine,
    upload_item::{Phase, Upload},
    xhr::{PutError, sleep},
};
use crate::{
    api::{complete_upload, renew_upload},
    model::ImageStatus,
};

/// Tries per file before it is shown as failed (network errors, 5xx).
const MAX_ATTEMPTS: u32 = 4;
const BACKOFF_BASE_MS: u64 = 500;

impl Engine {
    /// PUTs the file, retrying network trouble and renewing an expired URL.
    /// True when storage accepted every byte.
    pub(super) async fn transfer(self, u: Upload) -> bool {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(ticket) = u.ticket.get_untracked() else {
                return false;
            };
            let transfers = match self.transfers() {
                Ok(t) => t,
                Err(e) => {
                    u.fail(format!("the browser could not start uploads: {e}"), true);
                    return false;
                }
            };
            let file = u.file.get_value();
            let result = transfers
                .put(
                    &ticket.url,
                    &ticket.headers,
                    &file,
                    |job| u.job.set_value(Some(job)),
                    move || self.started(u),
                    move |loaded| self.note_progress(u, loaded),
                )
                .await;
            u.job.set_value(None);
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
            u.show_sent(0.0);
            sleep(BACKOFF_BASE_MS << (attempt - 1)).await;
        }
    }

    /// Asks the server to check what was stored and queue its processing.
    pub(super) async fn verify(self, u: Upload) {
        u.show_sent(u.size as f64);
        u.phase.set(Phase::Verifying);
        let Some(ticket) = u.ticket.get_untracked() else { return };
        match complete_upload(ticket.image_id).await {
            Ok(img) if img.status == ImageStatus::Failed => u.fail(img.error.unwrap_or_default(), true),
            Ok(_) => u.phase.set(Phase::Uploaded),
            Err(e) => u.fail(e.to_string(), true),
        }
    }
}
