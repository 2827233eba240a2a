//! Resizing (Lanczos3, fast_image_resize) and WebP encoding (libwebp), one
//! thread per width; and the thumbhash placeholder.

use base64::Engine as _;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};

use super::{Decoded, ImagingError, WEBP_QUALITY};

/// One encoded web variant.
#[derive(Debug)]
pub struct EncodedVariant {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

fn pixel_type(channels: u8) -> PixelType {
    if channels == 4 {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    }
}

/// Resizes to fit `width` (height follows the aspect ratio); never enlarges.
fn resize(src: &Decoded, width: u32, height: u32) -> Result<Vec<u8>, ImagingError> {
    if width >= src.width && height >= src.height {
        return Ok(src.pixels.clone());
    }
    let pt = pixel_type(src.channels);
    let from = fast_image_resize::images::ImageRef::new(src.width, src.height, &src.pixels, pt)
        .map_err(|e| ImagingError::Corrupt(e.to_string()))?;
    let mut to = Image::new(width, height, pt);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&from, &mut to, &opts)
        .map_err(|e| ImagingError::Corrupt(e.to_string()))?;
    Ok(to.into_vec())
}

fn height_for(src: &Decoded, width: u32) -> u32 {
    let w = width.min(src.width);
    ((u64::from(src.height) * u64::from(w) + u64::from(src.width) / 2) / u64::from(src.width)).max(1) as u32
}

fn encode_webp(pixels: &[u8], channels: u8, width: u32, height: u32) -> Result<Vec<u8>, ImagingError> {
    let enc = if channels == 4 {
        webp::Encoder::from_rgba(pixels, width, height)
    } else {
        webp::Encoder::from_rgb(pixels, width, height)
    };
    let mem = enc
        .encode_simple(false, WEBP_QUALITY)
        .map_err(|e| ImagingError::Unsupported(format!("WebP encoding failed: {e:?}")))?;
    Ok(mem.to_vec())
}

/// Makes every width: the widest from the decoded pixels, the narrower ones
/// from that (a smaller source, same Lanczos3), each encoded on its own thread.
pub fn encode_variants(src: &Decoded, widths: &[u32]) -> Result<Vec<EncodedVariant>, ImagingError> {
    let widest = widths.iter().copied().max().unwrap_or(src.width);
    let (bw, bh) = (widest.min(src.width), height_for(src, widest));
    let base = Decoded {
        width: bw,
        height: bh,
        channels: src.channels,
        pixels: resize(src, bw, bh)?,
    };
    let base = &base;
    std::thread::scope(|s| {
        let handles: Vec<_> = widths
            .iter()
            .map(|&w| {
                s.spawn(move || {
                    let (width, height) = (w.min(base.width), height_for(base, w));
                    let bytes = if width == base.width {
                        encode_webp(&base.pixels, base.channels, width, height)?
                    } else {
                        encode_webp(&resize(base, width, height)?, base.channels, width, height)?
                    };
                    Ok(EncodedVariant { width, height, bytes })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(ImagingError::Corrupt("encoder crashed".into())))
            })
            .collect()
    })
}

/// A base64 thumbhash of the image (at most 100×100 pixels are looked at).
pub fn thumbhash_of(src: &Decoded) -> String {
    let scale = (100.0 / f64::from(src.width.max(src.height))).min(1.0);
    let (w, h) = (
        ((f64::from(src.width) * scale).round() as u32).max(1),
        ((f64::from(src.height) * scale).round() as u32).max(1),
    );
    let rgba = match src.channels {
        4 => resize(src, w, h),
        _ => resize(src, w, h).map(|rgb| rgb.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()),
    };
    match rgba {
        Ok(rgba) => base64::engine::general_purpose::STANDARD
            .encode(thumbhash::rgba_to_thumb_hash(w as usize, h as usize, &rgba)),
        Err(_) => String::new(),
    }
}

/// The placeholder as a small PNG data URL, for `background-image` before the real image loads.
pub fn thumbhash_placeholder_png(hash_b64: &str) -> Option<String> {
    let hash = base64::engine::general_purpose::STANDARD.decode(hash_b64).ok()?;
    let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&hash).ok()?;
    let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba)?;
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}
