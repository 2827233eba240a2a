//! Resizing (Lanczos3, fast_image_resize) to the variant widths, one encoding
//! thread per width; and the thumbhash placeholder.

use std::sync::Arc;

use base64::Engine as _;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};

use super::{Decoded, ImagingError, Probe, decode::to_display, swaps_axes};

/// The file formats variants are made in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantFormat {
    Webp,
    Avif,
}

impl VariantFormat {
    /// The name stored in `variant.format` and used in object keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webp => "webp",
            Self::Avif => "avif",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
        }
    }
}

/// One encoded web variant.
#[derive(Debug)]
pub struct EncodedVariant {
    pub format: VariantFormat,
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

/// The height that keeps the aspect ratio of `w0`×`h0` at `width` (never enlarged).
fn height_for(w0: u32, h0: u32, width: u32) -> u32 {
    let w = width.min(w0);
    ((u64::from(h0) * u64::from(w) + u64::from(w0) / 2) / u64::from(w0)).max(1) as u32
}

/// Makes every width, widest first, each resized from the one before (the
/// same Lanczos3 from a smaller source: 320 from 800 reads a sixteenth of the
/// pixels that 320 from the decode would). The colour conversion and rotation
/// run on the widest variant, not the larger decode. Each width is encoded on
/// its own thread while the next is resized; the thumbhash comes from the
/// narrowest. With `avif`, each width is also encoded as AVIF. Variants come
/// back narrowest first.
pub fn render(
    src: &Decoded,
    probe: &Probe,
    widths: &[u32],
    avif: bool,
) -> Result<(Vec<EncodedVariant>, String), ImagingError> {
    let mut widths = widths.to_vec();
    widths.sort_unstable_by(|a, b| b.cmp(a));
    widths.dedup();
    let formats: &[VariantFormat] = if avif {
        &[VariantFormat::Webp, VariantFormat::Avif]
    } else {
        &[VariantFormat::Webp]
    };
    let turned = swaps_axes(probe.orientation);
    let (display_w, display_h) = if turned {
        (src.height, src.width)
    } else {
        (src.width, src.height)
    };
    std::thread::scope(|s| {
        let mut encodes = Vec::with_capacity(widths.len());
        let mut previous: Option<Arc<Decoded>> = None;
        for w in widths {
            let (width, height) = (w.min(display_w), height_for(display_w, display_h, w));
            let step = Arc::new(match previous.as_deref() {
                Some(from) => Decoded {
                    width,
                    height,
                    channels: src.channels,
                    pixels: resize(from, width, height)?,
                },
                None => {
                    let (sw, sh) = if turned { (height, width) } else { (width, height) };
                    let stored = Decoded {
                        width: sw,
                        height: sh,
                        channels: src.channels,
                        pixels: resize(src, sw, sh)?,
                    };
                    to_display(stored, probe)?
                }
            });
            for &format in formats {
                let job = Arc::clone(&step);
                encodes.push(s.spawn(move || {
                    let bytes = match format {
                        VariantFormat::Webp => super::webp::encode(&job.pixels, job.channels, job.width, job.height)?,
                        VariantFormat::Avif => {
                            super::avif_out::encode(&job.pixels, job.channels, job.width, job.height)?
                        }
                    };
                    Ok(EncodedVariant {
                        format,
                        width: job.width,
                        height: job.height,
                        bytes,
                    })
                }));
            }
            previous = Some(step);
        }
        let thumbhash = previous.as_deref().map(thumbhash_of).unwrap_or_default();
        let mut variants = encodes
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(ImagingError::Corrupt("encoder crashed".into())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        variants.reverse();
        Ok((variants, thumbhash))
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
