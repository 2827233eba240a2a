//! Lossy WebP encoding straight through libwebp-sys. The `webp` crate pins an
//! older libwebp-sys built without libwebp's SSE4.1 kernels (a second libwebp
//! in the binary); this one calls the newer copy built with them. Same bytes.

use std::ffi::c_void;

use libwebp_sys as sys;

use super::{ImagingError, WEBP_QUALITY};

/// libwebp's speed/size trade-off, 0–6; 4 is libwebp's and sharp's default.
pub const WEBP_METHOD: i32 = 4;

/// Owns libwebp's picture buffers and output memory; frees both on every path.
struct Encoding {
    picture: sys::WebPPicture,
    writer: sys::WebPMemoryWriter,
}

impl Drop for Encoding {
    fn drop(&mut self) {
        // SAFETY: both were initialised by libwebp before `Encoding` was built,
        // and free/clear accept structs that never received any memory.
        unsafe {
            sys::WebPPictureFree(&mut self.picture);
            sys::WebPMemoryWriterClear(&mut self.writer);
        }
    }
}

fn failed(what: impl std::fmt::Display) -> ImagingError {
    ImagingError::Unsupported(format!("WebP encoding failed ({what})"))
}

/// Encodes tightly packed RGB (3 channels) or RGBA (4) pixels, no metadata.
pub fn encode(pixels: &[u8], channels: u8, width: u32, height: u32) -> Result<Vec<u8>, ImagingError> {
    let stride = usize::from(channels) * width as usize;
    if !matches!(channels, 3 | 4) || pixels.len() != stride * height as usize || width == 0 || height == 0 {
        return Err(failed("bad pixel buffer"));
    }
    let (w, h, stride) = (
        i32::try_from(width).map_err(failed)?,
        i32::try_from(height).map_err(failed)?,
        i32::try_from(stride).map_err(failed)?,
    );
    let mut config = sys::WebPConfig::new_with_preset(sys::WebPPreset::WEBP_PRESET_DEFAULT, WEBP_QUALITY)
        .map_err(|_| failed("config"))?;
    config.method = WEBP_METHOD;
    // libwebp's second thread (analysis, and the alpha plane) keeps the other core busy
    // when one image is left (a batch's end, a single upload). Same bytes; on the photo
    // benchmark the same CPU time and 3–10 % more images/s (8 alternating runs, 7 won).
    config.thread_level = 1;
    let picture = sys::WebPPicture::new().map_err(|_| failed("picture"))?;
    // SAFETY: WebPMemoryWriter is plain data; WebPMemoryWriterInit sets it up below.
    let writer: sys::WebPMemoryWriter = unsafe { std::mem::zeroed() };
    let mut job = Encoding { picture, writer };
    job.picture.width = w;
    job.picture.height = h;
    // SAFETY: the buffer holds exactly `stride * height` bytes (checked above);
    // libwebp copies it into its own YUV planes. `job` is not moved after
    // `custom_ptr` points into it.
    unsafe {
        sys::WebPMemoryWriterInit(&mut job.writer);
        let imported = if channels == 4 {
            sys::WebPPictureImportRGBA(&mut job.picture, pixels.as_ptr(), stride)
        } else {
            sys::WebPPictureImportRGB(&mut job.picture, pixels.as_ptr(), stride)
        };
        if imported == 0 {
            return Err(failed("out of memory"));
        }
        job.picture.writer = Some(sys::WebPMemoryWrite);
        job.picture.custom_ptr = (&raw mut job.writer).cast::<c_void>();
        if sys::WebPEncode(&config, &mut job.picture) == 0 {
            return Err(failed(format!("{:?}", job.picture.error_code)));
        }
        Ok(std::slice::from_raw_parts(job.writer.mem, job.writer.size).to_vec())
    }
}
