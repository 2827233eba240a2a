//! Dropped files through the transfer worker, which digests them, asks for
//! their tickets and starts their PUTs without waiting for the page: here
//! each file follows its ticket's answer, then its transfer and verification.

use leptos::{prelude::*, server_fn::ServerFn, task::spawn_local};

use super::{
    transfers::{BatchFile, BatchJob, PutError, TicketAnswer, completions_url},
    upload_engine::{Engine, Phase, Upload},
};
use crate::{api::BeginUpload, error::AppError};

impl Engine {
    /// Hands the accepted files of a drop to the transfer worker.
    pub(super) fn start_batch(self, uploads: Vec<Upload>) {
        let jobs = self.transfers().and_then(|transfers| {
            let files = uploads
                .iter()
                .map(|&u| BatchFile {
                    file: u.file.get_value(),
                    spec: u.spec(),
                    on_start: Box::new(move || self.started(u)),
                    on_progress: Box::new(move |loaded| self.note_progress(u, loaded)),
                })
                .collect();
            transfers.batch(
                <BeginUpload as ServerFn>::PATH,
                self.product_id,
                completions_url(),
                files,
            )
        });
        match jobs {
            Ok(jobs) => {
                for (u, job) in uploads.into_iter().zip(jobs) {
                    u.job.set_value(Some(job.id));
                    spawn_local(self.follow(u, job));
                }
            }
            Err(e) => {
                for u in uploads {
                    self.fail(u, format!("the browser could not start uploads: {e}"), true);
                }
            }
        }
    }

    /// One file of a batch from its ticket's answer to its verification.
    async fn follow(self, u: Upload, job: BatchJob) {
        // No answer: the file was cancelled before its ticket was asked for.
        let Ok(answer) = job.ticket.await else { return };
        match answer {
            TicketAnswer::Ticket(ticket, sha256) => {
                u.sha256.set_value(sha256);
                if !self.take_ticket(u, ticket) {
                    return;
                }
                // (Its PUT may have started already: the worker did not wait.)
                if u.phase() == Phase::Waiting {
                    self.set_phase(u, Phase::Queued);
                }
                let first = job.done.await.unwrap_or(Err(PutError::Aborted));
                self.finish(u, Some(first)).await;
                return;
            }
            TicketAnswer::Refused(failure, sha256) => {
                u.sha256.set_value(sha256);
                if u.phase() != Phase::Cancelled {
                    self.refused(u, &failure);
                }
            }
            TicketAnswer::Unanswered(status, body) => {
                let reason = match status {
                    0 => "network error".to_string(),
                    _ => serde_json::from_str::<AppError>(&body)
                        .map(|e| e.to_string())
                        .unwrap_or_else(|_| format!("the server answered HTTP {status}")),
                };
                if u.phase() != Phase::Cancelled {
                    self.fail(u, reason, true);
                }
            }
        }
        self.refresh_gallery_soon();
    }
}
