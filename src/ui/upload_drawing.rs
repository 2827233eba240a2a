//! When the page draws the uploads: the engine changes plain values as events
//! arrive (phases, bytes sent) and the rows' signals follow them at most four
//! times a second, at once when the batch ends. Gallery refreshes are
//! coalesced too, and held back while transfers run.

use leptos::prelude::*;

use super::upload_engine::{Engine, Phase, Upload, now_ms};

/// Phases and progress are drawn at most this often (4 times a second): a bar
/// moving in quarter-second steps reads as smooth.
const DRAW_EVERY_MS: u64 = 250;
/// While files are moving, the gallery is listed again at most this often:
/// each listing costs the server and the page CPU that the transfers need,
/// and its tiles show placeholders until processing anyway.
const REFRESH_WHILE_UPLOADING_MS: f64 = 3000.0;

impl Engine {
    /// Notes bytes sent (every progress event); the page draws them at the next drawing.
    pub(super) fn note_progress(self, u: Upload, loaded: f64) {
        u.raw_sent.set_value(loaded);
        self.draw_soon();
    }

    /// Moves a file to `phase`; the page shows it at the next drawing, or at
    /// once when that was the batch's last moving file.
    pub(super) fn set_phase(self, u: Upload, phase: Phase) {
        let settled = matches!(phase, Phase::Uploaded | Phase::Failed(_) | Phase::Cancelled);
        u.phase.set_value(phase);
        if settled && !self.moving() {
            self.draw();
        } else {
            self.draw_soon();
        }
    }

    /// Marks a file failed, with its reason and whether retrying can help.
    pub(super) fn fail(self, u: Upload, reason: impl Into<String>, retryable: bool) {
        u.retryable.set_value(retryable);
        self.set_phase(u, Phase::Failed(reason.into()));
    }

    /// Asks for one gallery listing soon, however many files finish meanwhile
    /// (40 uploads used to cost 40 listings).
    pub(super) fn refresh_gallery_soon(self) {
        if self.refresh_asked.get_value().is_none() {
            self.refresh_asked.set_value(Some(now_ms()));
        }
        self.draw_soon();
    }

    /// True while any file is still on its way to the server. Looked for from the
    /// end: files go in order, so late in a drop of 1,000 the first row still moving
    /// is near the end (from the start, every settled file scanned every row).
    pub(super) fn moving(self) -> bool {
        self.items
            .with_untracked(|items| items.iter().rev().any(|u| u.phase.with_value(Phase::moving)))
    }

    /// Books one drawing within `DRAW_EVERY_MS`, however many events arrive meanwhile.
    /// Every drawing costs the page a style, layout, paint and compositing pass
    /// that competes with the transfers for the CPU; drawing each event (phases,
    /// progress) as it came made a 40-file batch render ≈ 40 frames and run at a
    /// third of the wire speed.
    pub(super) fn draw_soon(self) {
        if self.draw_booked.get_value() {
            return;
        }
        self.draw_booked.set_value(true);
        set_timeout(
            move || {
                self.draw_booked.set_value(false);
                self.draw();
            },
            std::time::Duration::from_millis(DRAW_EVERY_MS),
        );
    }

    /// Shows every file's phase and progress as they are now, and lists the
    /// gallery again when that is due.
    pub(super) fn draw(self) {
        // Every row draws (no short circuit); any change bumps the counter once.
        let mut changed = false;
        self.items.with_untracked(|items| {
            for u in items {
                changed |= u.draw();
            }
        });
        if changed {
            self.drawn.update(|n| *n += 1);
        }
        if let Some(asked) = self.refresh_asked.get_value() {
            if !self.moving() || now_ms() - asked >= REFRESH_WHILE_UPLOADING_MS {
                self.refresh_asked.set_value(None);
                self.gallery_version.update(|v| *v += 1);
            } else {
                self.draw_soon();
            }
        }
    }
}
