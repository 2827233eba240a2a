//! The image pipeline (spec section 6): probe and check limits before
//! decoding, decode once (JPEG at a reduced DCT scale when that is enough,
//! AVIF with libdav1d), resize to the widest variant, convert its embedded
//! colour profile to sRGB and apply the EXIF orientation there, cascade to the
//! narrower widths and encode WebP (and AVIF when asked). Pure CPU work:
//! callers run it on a thread of its own at a low priority. Output carries no metadata at all.

mod avif;
mod avif_out;
mod decode;
mod encode;
mod webp;

use image::metadata::Orientation;

pub use decode::{Decoded, MIN_SHRINK_AFTER_DCT_SCALING, Probe, decode, probe, to_display};
pub use encode::{EncodedVariant, VariantFormat, render, thumbhash_of, thumbhash_placeholder_png};

/// Default limits, checked before any pixel is decoded.
pub const MAX_INPUT_BYTES: u64 = 100 * 1024 * 1024;
pub const MAX_PIXELS: u64 = 100_000_000;
pub const MAX_SIDE: u32 = 20_000;
/// Widths of the web variants; an original narrower than all of them gets one at its own width.
pub const VARIANT_WIDTHS: [u32; 3] = [320, 800, 1600];
pub const WEBP_QUALITY: f32 = 80.0;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_pixels: u64,
    pub max_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: MAX_INPUT_BYTES,
            max_pixels: MAX_PIXELS,
            max_side: MAX_SIDE,
        }
    }
}

/// Why an image cannot be processed, in words for the admin. None of these
/// gets better by retrying.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImagingError {
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the image is damaged or incomplete ({0})")]
    Corrupt(String),
}

/// Everything the worker stores for one image.
#[derive(Debug)]
pub struct Processed {
    /// Displayed size of the original (after orientation).
    pub width: u32,
    pub height: u32,
    pub variants: Vec<EncodedVariant>,
    pub thumbhash: String,
}

/// Tunes glibc's malloc for image work: one arena (per two cores), and buffers of any size
/// reused from the heap instead of being mapped, faulted in and unmapped for
/// every image. Image work makes few, large allocations, so one arena costs no
/// lock contention, while an arena per thread keeps freed memory in each.
/// Measured on the photo benchmark (3 runs each): glibc's defaults with 2 arenas
/// ≈160 MB peak RSS, 115–170 k page faults, 0.3 s system time; this ≈165 MB,
/// 41 k faults, 0.1 s (≈3 % of the CPU back). [`release_memory`] hands the memory
/// back when the worker goes idle. Call once at start-up, before threads start.
pub fn tune_malloc() {
    // One arena per two cores keeps a big web server from queueing on one lock.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let arenas = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)) as i32;
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}

/// Image work's OS priority: the nice value of the threads that decode and encode.
/// At 10 the scheduler gives them about a tenth of a core's time while anything at
/// the default priority wants it (uploads being received, pages being served, the
/// browser on the same machine) and every idle core otherwise, so processing never
/// slows what a user is waiting on. Threads an imaging thread starts inherit it.
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread's priority to [`BACKGROUND_NICE`]. On Linux the nice
/// value belongs to a thread (`setpriority` with id 0 changes only the caller); an
/// unprivileged thread cannot raise it again, so only threads made for image work call this.
pub fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only changes the calling thread's scheduling weight.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE);
    }
}

/// Returns freed heap memory to the system (after a batch of images).
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is thread-safe and only releases free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The widths to make for an image `width` pixels wide (never upscaled).
pub fn target_widths(width: u32) -> Vec<u32> {
    let fit: Vec<u32> = VARIANT_WIDTHS.into_iter().filter(|&w| w <= width).collect();
    if fit.is_empty() { vec![width] } else { fit }
}

/// Does the orientation swap width and height?
pub fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

/// The whole pipeline on one original's bytes; `avif` adds AVIF variants.
pub fn process(bytes: &[u8], limits: &Limits, avif: bool) -> Result<Processed, ImagingError> {
    let probe = probe(bytes, limits)?;
    let widths = target_widths(probe.display_width());
    let decoded = decode(bytes, &probe, widths.iter().copied().max().unwrap_or(1))?;
    let (width, height) = (probe.display_width(), probe.display_height());
    let (variants, thumbhash) = render(&decoded, &probe, &widths, avif)?;
    Ok(Processed {
        width,
        height,
        variants,
        thumbhash,
    })
}

#[cfg(test)]
mod tests;
