//! Long lists drawn a slice per animation frame, the slice sized to the frames' pace.

use leptos::prelude::*;

use super::upload_engine::now_ms;

/// The largest slice, in items per frame.
const MAX_STEP: usize = 64;
/// Frames this close together leave room: the slice doubles.
const QUICK_FRAME_MS: f64 = 25.0;
/// Frames this far apart mean the last slice (or the machine) was busy: it halves.
const SLOW_FRAME_MS: f64 = 50.0;

/// How many of a list's items may be drawn now: `first` at the start (what the
/// server drew, so hydration matches), never more than the list holds once it is
/// running, then a slice more each animation frame until `len()` is reached. The
/// slice starts at `min_step` and grows to 64 while frames come quickly; it
/// shrinks back when frames are slow (a fixed slice of 16 cards took 100–250 ms
/// frames while uploads, the server and its worker shared the two cores).
pub fn paced(first: usize, min_step: usize, len: impl Fn() -> usize + Send + Sync + 'static) -> Signal<usize> {
    let built = RwSignal::new(first);
    let step = StoredValue::new(min_step);
    let last_frame = StoredValue::new(None::<f64>);
    // One frame booked at a time, however often the list changes meanwhile.
    let booked = StoredValue::new(false);
    Effect::new(move |_| {
        let (n, len) = (built.get(), len());
        if n > len {
            // Nothing beyond the list is drawn yet: a list that grows starts from what is there.
            built.set(len);
        } else if n < len && !booked.get_value() {
            booked.set_value(true);
            request_animation_frame(move || {
                booked.set_value(false);
                let now = now_ms();
                if let Some(before) = last_frame.get_value() {
                    step.update_value(|s| {
                        *s = match now - before {
                            gap if gap < QUICK_FRAME_MS => (*s * 2).min(MAX_STEP),
                            gap if gap > SLOW_FRAME_MS => (*s / 2).max(min_step),
                            _ => *s,
                        }
                    });
                }
                last_frame.set_value(Some(now));
                built.update(|n| *n += step.get_value());
            });
        } else if n == len {
            last_frame.set_value(None);
        }
    });
    built.into()
}
