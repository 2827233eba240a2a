//! Probing (header only) and decoding to 8-bit sRGB pixels in display orientation.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, metadata::Orientation};

use super::{ImagingError, Limits, swaps_axes};
use crate::validate::ImageType;

/// A reduced-scale JPEG decode must still leave this much shrinking to the
/// Lanczos3 resize. Measured on the photo corpus: a 3264 px photo decoded at
/// 1/2 (1632 px) then resized to 1600 scored 57 % worse DSSIM than decoding it
/// whole; at ratios ≥ 1.28 the loss is ≤ 5 %. Costs one full decode in 22.
pub const MIN_SHRINK_AFTER_DCT_SCALING: f64 = 1.2;

/// What the header says, read without decoding pixels.
#[derive(Clone, Debug)]
pub struct Probe {
    pub kind: ImageType,
    /// Stored (not displayed) size.
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
    pub icc: Option<Vec<u8>>,
    pub has_alpha: bool,
}

impl Probe {
    pub fn display_width(&self) -> u32 {
        if swaps_axes(self.orientation) {
            self.height
        } else {
            self.width
        }
    }
    pub fn display_height(&self) -> u32 {
        if swaps_axes(self.orientation) {
            self.width
        } else {
            self.height
        }
    }
}

/// 8-bit pixels, 3 (RGB) or 4 (RGBA) channels, tightly packed.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub pixels: Vec<u8>,
}

fn corrupt(e: impl std::fmt::Display) -> ImagingError {
    ImagingError::Corrupt(e.to_string())
}

fn reader(bytes: &[u8], kind: ImageType) -> Result<ImageReader<Cursor<&[u8]>>, ImagingError> {
    let format = match kind {
        ImageType::Jpeg => image::ImageFormat::Jpeg,
        ImageType::Png => image::ImageFormat::Png,
        ImageType::Webp => image::ImageFormat::WebP,
        ImageType::Gif => image::ImageFormat::Gif,
        ImageType::Avif => return Err(ImagingError::Unsupported("AVIF is read by the avif module".into())),
    };
    Ok(ImageReader::with_format(Cursor::new(bytes), format))
}

/// Reads the header and refuses what is over the limits before any decoding.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe, ImagingError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(ImagingError::TooLarge(format!(
            "the file is over {} MiB",
            limits.max_bytes / (1024 * 1024)
        )));
    }
    let kind = ImageType::sniff(bytes)
        .ok_or_else(|| ImagingError::Unsupported("the file is not a JPEG, PNG, WebP, GIF or AVIF image".into()))?;
    if kind == ImageType::Avif {
        let h = super::avif::header(bytes)?;
        check_size(h.width, h.height, limits)?;
        return Ok(Probe {
            kind,
            width: h.width,
            height: h.height,
            orientation: Orientation::NoTransforms,
            icc: None,
            has_alpha: h.has_alpha,
        });
    }
    let mut decoder = reader(bytes, kind)?.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height, limits)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let has_alpha = decoder.color_type().has_alpha();
    Ok(Probe {
        kind,
        width,
        height,
        orientation,
        icc,
        has_alpha,
    })
}

fn check_size(width: u32, height: u32, limits: &Limits) -> Result<(), ImagingError> {
    if width == 0 || height == 0 {
        return Err(ImagingError::Corrupt("it has no pixels".into()));
    }
    if width > limits.max_side || height > limits.max_side {
        return Err(ImagingError::TooLarge(format!(
            "the image is {width}×{height} pixels; sides are limited to {} pixels",
            limits.max_side
        )));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImagingError::TooLarge(format!(
            "the image has {:.0} megapixels; the limit is {}",
            f64::from(width) * f64::from(height) / 1e6,
            limits.max_pixels / 1_000_000
        )));
    }
    Ok(())
}

/// Decodes so that the displayed width is at least `min_width` (JPEGs are
/// decoded at the smallest DCT scale that keeps that many pixels). The pixels
/// stay in stored orientation and the file's colour space: [`to_display`]
/// finishes them once they are resized, on a fraction of the pixels.
pub fn decode(bytes: &[u8], probe: &Probe, min_width: u32) -> Result<Decoded, ImagingError> {
    Ok(match probe.kind {
        ImageType::Jpeg => match decode_jpeg_scaled(bytes, probe, min_width)? {
            Some(img) => img,
            // CMYK/YCCK and other exotic JPEGs: the general decoder handles them.
            None => decode_general(bytes, probe)?,
        },
        // dav1d refuses a frame larger than the header promised.
        ImageType::Avif => super::avif::decode(bytes, u64::from(probe.width) * u64::from(probe.height))?,
        _ => decode_general(bytes, probe)?,
    })
}

/// Converts the embedded colour profile to sRGB and applies the EXIF orientation.
pub fn to_display(mut img: Decoded, probe: &Probe) -> Result<Decoded, ImagingError> {
    if let Some(icc) = &probe.icc {
        to_srgb(&mut img, icc);
    }
    if probe.orientation == Orientation::NoTransforms {
        return Ok(img);
    }
    let mut dynamic = match img.channels {
        4 => DynamicImage::ImageRgba8(
            image::RgbaImage::from_raw(img.width, img.height, img.pixels).ok_or_else(|| corrupt("bad buffer"))?,
        ),
        _ => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(img.width, img.height, img.pixels).ok_or_else(|| corrupt("bad buffer"))?,
        ),
    };
    dynamic.apply_orientation(probe.orientation);
    Ok(Decoded {
        width: dynamic.width(),
        height: dynamic.height(),
        channels: img.channels,
        pixels: dynamic.into_bytes(),
    })
}

fn decode_general(bytes: &[u8], probe: &Probe) -> Result<Decoded, ImagingError> {
    let decoder = reader(bytes, probe.kind)?.into_decoder().map_err(corrupt)?;
    let img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let (width, height) = (img.width(), img.height());
    Ok(if probe.has_alpha {
        Decoded {
            width,
            height,
            channels: 4,
            pixels: img.into_rgba8().into_raw(),
        }
    } else {
        Decoded {
            width,
            height,
            channels: 3,
            pixels: img.into_rgb8().into_raw(),
        }
    })
}

/// `Ok(None)` hands the file to the general decoder (CMYK, or headers TurboJPEG rejects).
fn decode_jpeg_scaled(bytes: &[u8], probe: &Probe, min_width: u32) -> Result<Option<Decoded>, ImagingError> {
    use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};
    let Ok(mut d) = Decompressor::new() else {
        return Ok(None);
    };
    let Ok(header) = d.read_header(bytes) else {
        return Ok(None);
    };
    if matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK) {
        return Ok(None);
    }
    // The displayed width is the stored height when the orientation turns the image.
    let along = if swaps_axes(probe.orientation) {
        header.height
    } else {
        header.width
    };
    // Power-of-two scales only, as libvips does: the odd M/8 factors cost detail at the widest variant.
    // A scale that lands just above the target leaves the DCT's aliasing in place (nothing is left for
    // Lanczos3 to filter), so the scaled image must be a margin wider than the widest variant.
    let n = [1usize, 2, 4, 8]
        .into_iter()
        .find(|n| along.saturating_mul(*n).div_ceil(8) as f64 >= f64::from(min_width) * MIN_SHRINK_AFTER_DCT_SCALING)
        .unwrap_or(8);
    let scale = ScalingFactor::new(n, 8);
    let scaled = header.scaled(scale);
    if d.set_scaling_factor(scale).is_err() {
        return Ok(None);
    }
    let mut pixels = vec![0u8; 3 * scaled.width * scaled.height];
    let image = Image {
        pixels: pixels.as_mut_slice(),
        width: scaled.width,
        pitch: 3 * scaled.width,
        height: scaled.height,
        format: PixelFormat::RGB,
    };
    if let Err(e) = d.decompress(bytes, image) {
        // A cut-off file still "decodes" (grey below the cut) in lenient decoders: refuse it.
        if e.to_string().contains("Premature end") {
            return Err(ImagingError::Corrupt("the file is truncated".into()));
        }
        return Ok(None);
    }
    Ok(Some(Decoded {
        width: scaled.width as u32,
        height: scaled.height as u32,
        channels: 3,
        pixels,
    }))
}

/// Converts pixels from an embedded ICC profile to sRGB, as browsers assume.
/// A profile that cannot be parsed is ignored (the pixels are used as they are).
fn to_srgb(img: &mut Decoded, icc: &[u8]) {
    let Some(src) = qcms::Profile::new_from_slice(icc, false) else {
        return;
    };
    let mut dst = qcms::Profile::new_sRGB();
    dst.precache_output_transform();
    let kind = if img.channels == 4 {
        qcms::DataType::RGBA8
    } else {
        qcms::DataType::RGB8
    };
    if let Some(t) = qcms::Transform::new(&src, &dst, kind, qcms::Intent::Perceptual) {
        t.apply(&mut img.pixels);
    }
}
