//! AVIF variants (off unless `processing.avif` is set): rav1e through ravif,
//! one thread per encode (files and widths already run in parallel).

use ravif::{Encoder, Img};
use rgb::FromSlice;

use super::ImagingError;

/// ravif's 1–100 scale; 60 gives files well under the WebP q80 ones at a
/// similar look (AVIF needs fewer bytes for the same quality).
pub const AVIF_QUALITY: f32 = 60.0;
/// rav1e speed, 1 (slowest) – 10; 8 keeps a 1600 px encode around a second.
pub const AVIF_SPEED: u8 = 8;

pub fn encode(pixels: &[u8], channels: u8, width: u32, height: u32) -> Result<Vec<u8>, ImagingError> {
    let (w, h) = (width as usize, height as usize);
    if pixels.len() != w * h * usize::from(channels) {
        return Err(ImagingError::Unsupported(
            "AVIF encoding failed (bad pixel buffer)".into(),
        ));
    }
    let encoder = Encoder::new()
        .with_quality(AVIF_QUALITY)
        .with_alpha_quality(AVIF_QUALITY)
        .with_speed(AVIF_SPEED)
        .with_num_threads(Some(1));
    let encoded = if channels == 4 {
        encoder.encode_rgba(Img::new(pixels.as_rgba(), w, h))
    } else {
        encoder.encode_rgb(Img::new(pixels.as_rgb(), w, h))
    };
    encoded
        .map(|e| e.avif_file)
        .map_err(|e| ImagingError::Unsupported(format!("AVIF encoding failed ({e})")))
}
