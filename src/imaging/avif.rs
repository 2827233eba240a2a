//! AVIF originals. The container is parsed with avif-parse, so the size is
//! checked against the limits before any decoding; the AV1 image (and its
//! alpha plane) is decoded with libdav1d, then YUV is turned into 8-bit RGB(A)
//! with the stream's own matrix, range and bit depth.
//! Not honoured yet: `irot`/`imir` transforms and ICC profiles in `colr` boxes
//! (avif-parse does not expose them); the pixels are used as stored, as sRGB.

use std::ptr;

use dav1d_sys as d;

use super::{Decoded, ImagingError};

fn corrupt(e: impl std::fmt::Display) -> ImagingError {
    ImagingError::Corrupt(e.to_string())
}

/// What the AVIF header says.
pub struct AvifHeader {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
}

pub fn header(bytes: &[u8]) -> Result<AvifHeader, ImagingError> {
    let avif = avif_parse::read_avif(&mut &bytes[..]).map_err(corrupt)?;
    let meta = avif.primary_item_metadata().map_err(corrupt)?;
    Ok(AvifHeader {
        width: meta.max_frame_width.get(),
        height: meta.max_frame_height.get(),
        has_alpha: avif.alpha_item.is_some(),
    })
}

/// Decodes the primary image (and alpha) to RGB or RGBA. `max_pixels` is
/// also handed to dav1d, which refuses larger frames whatever the header said.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Decoded, ImagingError> {
    let avif = avif_parse::read_avif(&mut &bytes[..]).map_err(corrupt)?;
    let limit = u32::try_from(max_pixels).unwrap_or(u32::MAX);
    let color = Frame::decode(&avif.primary_item, limit)?;
    let (width, height) = (color.width(), color.height());
    let Some(alpha_obu) = &avif.alpha_item else {
        return Ok(Decoded {
            width,
            height,
            channels: 3,
            pixels: color.to_rgb(None),
        });
    };
    let alpha = Frame::decode(alpha_obu, limit)?;
    if (alpha.width(), alpha.height()) != (width, height) {
        return Err(corrupt("the alpha plane does not match the image size"));
    }
    let mut pixels = color.to_rgb(Some(&alpha));
    if avif.premultiplied_alpha {
        for p in pixels.chunks_exact_mut(4) {
            let a = u32::from(p[3]);
            for c in &mut p[..3] {
                if let Some(v) = (u32::from(*c) * 255 + a / 2).checked_div(a) {
                    *c = v.min(255) as u8;
                }
            }
        }
    }
    Ok(Decoded {
        width,
        height,
        channels: 4,
        pixels,
    })
}

/// One decoded AV1 picture, released when dropped.
struct Frame(d::Dav1dPicture);

impl Drop for Frame {
    fn drop(&mut self) {
        // SAFETY: the picture was filled by dav1d_get_picture.
        unsafe { d::dav1d_picture_unref(&mut self.0) }
    }
}

/// Closes the decoder and releases unsent data on every path.
struct Session {
    ctx: *mut d::Dav1dContext,
    data: d::Dav1dData,
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: both are either null/empty or owned by this session.
        unsafe {
            if !self.data.ref_.is_null() {
                d::dav1d_data_unref(&mut self.data);
            }
            d::dav1d_close(&mut self.ctx);
        }
    }
}

impl Frame {
    fn decode(obu: &[u8], max_pixels: u32) -> Result<Frame, ImagingError> {
        // SAFETY: plain FFI following dav1d's documented send/get loop; every
        // struct is initialised by dav1d before use and released by a guard.
        unsafe {
            let mut settings: d::Dav1dSettings = std::mem::zeroed();
            d::dav1d_default_settings(&mut settings);
            settings.n_threads = 1;
            settings.max_frame_delay = 1;
            settings.frame_size_limit = max_pixels;
            settings.logger.callback = ptr::null_mut(); // errors come back as codes
            let mut s = Session {
                ctx: ptr::null_mut(),
                data: std::mem::zeroed(),
            };
            if d::dav1d_open(&mut s.ctx, &settings) != 0 {
                return Err(corrupt("the AV1 decoder could not start"));
            }
            let buf = d::dav1d_data_create(&mut s.data, obu.len());
            if buf.is_null() {
                return Err(corrupt("out of memory"));
            }
            ptr::copy_nonoverlapping(obu.as_ptr(), buf, obu.len());
            let mut pic: d::Dav1dPicture = std::mem::zeroed();
            loop {
                if s.data.sz > 0 {
                    let r = d::dav1d_send_data(s.ctx, &mut s.data);
                    if r < 0 && r != d::DAV1D_ERR_AGAIN {
                        return Err(corrupt("the AV1 data is damaged"));
                    }
                }
                match d::dav1d_get_picture(s.ctx, &mut pic) {
                    0 => break,
                    r if r == d::DAV1D_ERR_AGAIN && s.data.sz > 0 => continue,
                    _ => return Err(corrupt("the AV1 data holds no complete picture")),
                }
            }
            Ok(Frame(pic))
        }
    }

    fn width(&self) -> u32 {
        self.0.p.w.max(0) as u32
    }

    fn height(&self) -> u32 {
        self.0.p.h.max(0) as u32
    }

    /// Sample `(x, y)` of plane `k` (0 = Y, 1 = U, 2 = V), at the stream's bit depth.
    fn sample(&self, k: usize, x: usize, y: usize) -> u32 {
        let stride = self.0.stride[usize::from(k > 0)];
        // SAFETY: callers stay inside the plane (chroma coordinates are
        // subsampled as the layout says); dav1d's planes are `stride` bytes per row.
        unsafe {
            let row = self.0.data[k].cast::<u8>().offset(stride * y as isize);
            if self.0.p.bpc > 8 {
                u32::from(*row.cast::<u16>().add(x))
            } else {
                u32::from(*row.add(x))
            }
        }
    }

    /// RGB (or RGBA with `alpha`) at 8 bits, using the stream's matrix and range.
    fn to_rgb(&self, alpha: Option<&Frame>) -> Vec<u8> {
        let (w, h) = (self.width() as usize, self.height() as usize);
        // SAFETY: seq_hdr is set on every decoded picture.
        let (mtrx, full_range) = unsafe { ((*self.0.seq_hdr).mtrx, (*self.0.seq_hdr).color_range != 0) };
        let (layout, bits) = (self.0.p.layout, self.0.p.bpc.clamp(8, 16) as u32);
        let range = Range::new(bits, full_range);
        let (sx, sy) = match layout {
            d::DAV1D_PIXEL_LAYOUT_I420 => (1, 1),
            d::DAV1D_PIXEL_LAYOUT_I422 => (1, 0),
            _ => (0, 0),
        };
        let mono = layout == d::DAV1D_PIXEL_LAYOUT_I400;
        let (kr, kb) = match mtrx {
            d::DAV1D_MC_BT709 => (0.2126, 0.0722),
            d::DAV1D_MC_BT2020_NCL | d::DAV1D_MC_BT2020_CL => (0.2627, 0.0593),
            d::DAV1D_MC_SMPTE240 => (0.212, 0.087),
            _ => (0.299, 0.114), // BT.601, and what libavif assumes when unspecified
        };
        let channels = if alpha.is_some() { 4 } else { 3 };
        let alpha_range = alpha.map(|a| {
            // SAFETY: as above, for the alpha picture.
            Range::new(a.0.p.bpc.clamp(8, 16) as u32, unsafe {
                (*a.0.seq_hdr).color_range != 0
            })
        });
        let mut out = Vec::with_capacity(w * h * channels);
        for y in 0..h {
            for x in 0..w {
                let luma = range.luma(self.sample(0, x, y));
                let [r, g, b] = if mono {
                    [luma; 3]
                } else {
                    let u = range.chroma(self.sample(1, x >> sx, y >> sy));
                    let v = range.chroma(self.sample(2, x >> sx, y >> sy));
                    if mtrx == d::DAV1D_MC_IDENTITY {
                        // GBR stored as Y=G, U=B, V=R, without offsets.
                        [v + 0.5, luma, u + 0.5]
                    } else {
                        let r = luma + (2.0 - 2.0 * kr) * v;
                        let b = luma + (2.0 - 2.0 * kb) * u;
                        [r, (luma - kr * r - kb * b) / (1.0 - kr - kb), b]
                    }
                };
                out.extend([to_u8(r), to_u8(g), to_u8(b)]);
                if let (Some(a), Some(ar)) = (alpha, &alpha_range) {
                    out.push(to_u8(ar.luma(a.sample(0, x, y))));
                }
            }
        }
        out
    }
}

fn to_u8(v: f32) -> u8 {
    (v * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Maps code values to 0..1 (luma) and −0.5..0.5 (chroma).
struct Range {
    offset: f32,
    luma_scale: f32,
    chroma_scale: f32,
    half: f32,
}

impl Range {
    fn new(bits: u32, full: bool) -> Self {
        let max = ((1u32 << bits) - 1) as f32;
        let unit = (1u32 << (bits - 8)) as f32;
        if full {
            Self {
                offset: 0.0,
                luma_scale: max,
                chroma_scale: max,
                half: (1u32 << (bits - 1)) as f32,
            }
        } else {
            Self {
                offset: 16.0 * unit,
                luma_scale: 219.0 * unit,
                chroma_scale: 224.0 * unit,
                half: 128.0 * unit,
            }
        }
    }
    fn luma(&self, v: u32) -> f32 {
        (v as f32 - self.offset) / self.luma_scale
    }
    fn chroma(&self, v: u32) -> f32 {
        (v as f32 - self.half) / self.chroma_scale
    }
}

#[cfg(test)]
mod tests {
    //! Fixtures in tests/fixtures were written by avifenc 0.11 (libaom) from a
    //! 64×48 PNG with four coloured quadrants (the right half 96/255 opaque in
    //! the alpha one).
    use super::*;
    use crate::imaging::{Limits, VariantFormat, process};

    const RED: [u8; 3] = [230, 20, 20];
    const GREEN: [u8; 3] = [20, 200, 20];
    const BLUE: [u8; 3] = [20, 20, 220];
    const YELLOW: [u8; 3] = [240, 240, 30];

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn at(img: &Decoded, x: u32, y: u32) -> &[u8] {
        let i = (y * img.width + x) as usize * usize::from(img.channels);
        &img.pixels[i..i + usize::from(img.channels)]
    }

    fn near(got: &[u8], want: &[u8]) -> bool {
        got.iter().zip(want).all(|(a, b)| a.abs_diff(*b) <= 8)
    }

    fn assert_quadrants(img: &Decoded) {
        assert_eq!((img.width, img.height), (64, 48));
        for (x, y, want) in [(12, 10, RED), (52, 10, GREEN), (12, 38, BLUE), (52, 38, YELLOW)] {
            let got = at(img, x, y);
            assert!(near(got, &want), "({x},{y}): got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn eight_bit_420_bt601_full_range() {
        let img = decode(&fixture("quadrants-420-8bit.avif"), 64 * 48).unwrap();
        assert_eq!(img.channels, 3);
        assert_quadrants(&img);
    }

    #[test]
    fn bt709_matrix_is_honoured() {
        // Decoding this with BT.601 coefficients would shift red by ≈ 20 levels.
        assert_quadrants(&decode(&fixture("quadrants-420-bt709.avif"), 64 * 48).unwrap());
    }

    #[test]
    fn ten_bit_444_limited_range() {
        assert_quadrants(&decode(&fixture("quadrants-444-10bit-limited.avif"), 64 * 48).unwrap());
    }

    #[test]
    fn alpha_plane_becomes_the_fourth_channel() {
        let img = decode(&fixture("alpha-420.avif"), 64 * 48).unwrap();
        assert_eq!(img.channels, 4);
        assert!(near(at(&img, 12, 10), &[230, 20, 20, 255]));
        assert!(near(at(&img, 52, 38), &[240, 240, 30, 96]));
    }

    #[test]
    fn monochrome_is_grey() {
        let img = decode(&fixture("gray-400.avif"), 64 * 48).unwrap();
        let p = at(&img, 12, 10);
        assert!(p[0] == p[1] && p[1] == p[2], "{p:?}");
    }

    #[test]
    fn the_whole_pipeline_takes_avif() {
        let out = process(&fixture("alpha-420.avif"), &Limits::default(), false).unwrap();
        assert_eq!((out.width, out.height), (64, 48));
        assert_eq!(out.variants.len(), 1);
        assert_eq!(out.variants[0].width, 64);
        assert!(!out.thumbhash.is_empty());
    }

    #[test]
    fn avif_variants_round_trip_when_asked_for() {
        let png = fixture("alpha-420.avif");
        let without = process(&png, &Limits::default(), false).unwrap();
        assert!(without.variants.iter().all(|v| v.format == VariantFormat::Webp));
        let with = process(&png, &Limits::default(), true).unwrap();
        let avif = with
            .variants
            .iter()
            .find(|v| v.format == VariantFormat::Avif)
            .expect("an AVIF variant");
        assert_eq!((avif.width, avif.height), (64, 48));
        let back = decode(&avif.bytes, 64 * 48).unwrap();
        assert_eq!(back.channels, 4, "alpha survives");
        assert!(near(at(&back, 12, 10), &[230, 20, 20, 255]));
        assert!(near(at(&back, 52, 38), &[240, 240, 30, 96]));
    }

    #[test]
    fn damaged_and_oversized_avif_fail_clearly() {
        let good = fixture("quadrants-420-8bit.avif");
        // Cut inside the AV1 payload (the container's own sizes then disagree).
        let cut = &good[..good.len() - 40];
        assert!(matches!(
            process(cut, &Limits::default(), false),
            Err(ImagingError::Corrupt(_))
        ));
        let small = Limits {
            max_pixels: 1000,
            ..Limits::default()
        };
        assert!(matches!(process(&good, &small, false), Err(ImagingError::TooLarge(_))));
        // A frame larger than dav1d is allowed to decode is refused by dav1d itself.
        assert!(decode(&good, 100).is_err());
    }
}
