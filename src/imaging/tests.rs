//! Pipeline tests on small fixtures made here (pixels are checked, not tags).

use image::{DynamicImage, ImageEncoder, Rgb, RgbImage, metadata::Orientation};

use super::*;

/// An image whose four quadrants have different colours, so any turn or flip shows.
fn quadrants(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| match (x < w / 2, y < h / 2) {
        (true, true) => Rgb([230, 20, 20]),
        (false, true) => Rgb([20, 200, 20]),
        (true, false) => Rgb([20, 20, 220]),
        (false, false) => Rgb([240, 240, 30]),
    })
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .write_image(img, img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A big-endian EXIF APP1 segment with an orientation and, optionally, a GPS IFD.
fn exif_app1(orientation: u16, gps: bool) -> Vec<u8> {
    let entries: u16 = if gps { 2 } else { 1 };
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend(entries.to_be_bytes());
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    if gps {
        let gps_ifd = 8 + 2 + 12 * u32::from(entries) + 4;
        tiff.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1]);
        tiff.extend(gps_ifd.to_be_bytes());
    }
    tiff.extend([0, 0, 0, 0]);
    if gps {
        tiff.extend([0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
    }
    let mut seg = vec![0xFF, 0xE1];
    seg.extend(((tiff.len() + 8) as u16).to_be_bytes());
    seg.extend(b"Exif\0\0");
    seg.extend(tiff);
    seg
}

fn with_exif(jpeg: &[u8], app1: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn decode_webp(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory_with_format(bytes, image::ImageFormat::WebP).expect("variant is a WebP")
}

fn close(a: &[u8], b: &[u8]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= 40)
}

#[test]
fn all_eight_orientations_are_applied_to_pixels() {
    let src = quadrants(64, 32);
    let plain = jpeg(&src);
    for tag in 1..=8u16 {
        let o = Orientation::from_exif(tag as u8).unwrap();
        let out = process(&with_exif(&plain, &exif_app1(tag, false)), &Limits::default(), false).unwrap();
        let mut expected = DynamicImage::ImageRgb8(src.clone());
        expected.apply_orientation(o);
        assert_eq!(
            (out.width, out.height),
            (expected.width(), expected.height()),
            "orientation {tag}"
        );
        let got = decode_webp(&out.variants[0].bytes).to_rgb8();
        let exp = expected.to_rgb8();
        for (fx, fy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
            let (gx, gy) = ((got.width() as f32 * fx) as u32, (got.height() as f32 * fy) as u32);
            let (ex, ey) = ((exp.width() as f32 * fx) as u32, (exp.height() as f32 * fy) as u32);
            assert!(
                close(&got.get_pixel(gx, gy).0, &exp.get_pixel(ex, ey).0),
                "orientation {tag} at {fx},{fy}"
            );
        }
    }
}

#[test]
fn widths_fit_and_never_upscale() {
    assert_eq!(target_widths(4000), vec![320, 800, 1600]);
    assert_eq!(target_widths(1000), vec![320, 800]);
    assert_eq!(target_widths(200), vec![200]);
    let big = process(&jpeg(&quadrants(2000, 1000)), &Limits::default(), false).unwrap();
    let dims: Vec<_> = big.variants.iter().map(|v| (v.width, v.height)).collect();
    assert_eq!(dims, vec![(320, 160), (800, 400), (1600, 800)]);
    let small = process(&jpeg(&quadrants(100, 60)), &Limits::default(), false).unwrap();
    assert_eq!(
        small.variants.iter().map(|v| (v.width, v.height)).collect::<Vec<_>>(),
        vec![(100, 60)]
    );
    assert!(!small.thumbhash.is_empty());
    assert!(
        thumbhash_placeholder_png(&small.thumbhash)
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
}

#[test]
fn png_alpha_survives() {
    let img = image::RgbaImage::from_fn(40, 40, |x, _| image::Rgba([200, 10, 10, if x < 20 { 0 } else { 255 }]));
    let mut png = Vec::new();
    DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let out = process(&png, &Limits::default(), false).unwrap();
    let v = decode_webp(&out.variants[0].bytes).to_rgba8();
    assert!(v.get_pixel(5, 20).0[3] < 20, "transparent side stays transparent");
    assert!(v.get_pixel(35, 20).0[3] > 235, "opaque side stays opaque");
}

#[test]
fn sixteen_bit_png_is_processed() {
    let img =
        image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(50, 30, |x, _| image::Rgb([x as u16 * 1000, 30000, 65535]));
    let mut png = Vec::new();
    DynamicImage::ImageRgb16(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let out = process(&png, &Limits::default(), false).unwrap();
    assert_eq!((out.width, out.height), (50, 30));
    let px = decode_webp(&out.variants[0].bytes).to_rgb8().get_pixel(25, 15).0;
    assert!(px[2] > 230, "16-bit white-blue maps to 8-bit: {px:?}");
}

#[test]
fn cmyk_jpeg_is_processed() {
    let (w, h) = (48usize, 24usize);
    let pixels: Vec<u8> = (0..w * h).flat_map(|_| [0u8, 255, 255, 0]).collect();
    let mut c = turbojpeg::Compressor::new().unwrap();
    c.set_subsamp(turbojpeg::Subsamp::None).unwrap();
    let img = turbojpeg::Image {
        pixels: pixels.as_slice(),
        width: w,
        pitch: 4 * w,
        height: h,
        format: turbojpeg::PixelFormat::CMYK,
    };
    let jpeg = c.compress_to_vec(img).unwrap();
    let out = process(&jpeg, &Limits::default(), false).unwrap();
    assert_eq!((out.width, out.height), (48, 24));
    assert_eq!(out.variants.len(), 1);
}

#[test]
fn damaged_files_fail_with_a_reason() {
    let mut fake = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fake.extend(b"definitely not the rest of a JPEG".repeat(10));
    assert!(matches!(
        process(&fake, &Limits::default(), false),
        Err(ImagingError::Corrupt(_))
    ));
    let real = jpeg(&quadrants(400, 300));
    let truncated = &real[..real.len() / 3];
    let err = process(truncated, &Limits::default(), false).unwrap_err();
    assert!(err.to_string().contains("damaged"), "{err}");
    let text = process(b"plain text", &Limits::default(), false).unwrap_err();
    assert!(matches!(text, ImagingError::Unsupported(_)));
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn pixel_bombs_are_refused_before_decoding() {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0d".to_vec();
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    png.extend([0, 0, 0, 4]);
    png.extend(b"IDAT\x78\x9c\x03\x00");
    png.extend(crc32(b"IDAT\x78\x9c\x03\x00").to_be_bytes());
    png.extend([0, 0, 0, 0]);
    png.extend(b"IEND");
    png.extend(crc32(b"IEND").to_be_bytes());
    let err = process(&png, &Limits::default(), false).unwrap_err();
    assert!(matches!(err, ImagingError::TooLarge(_)), "{err}");
    let limits = Limits {
        max_pixels: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        process(&jpeg(&quadrants(100, 100)), &limits, false),
        Err(ImagingError::TooLarge(_))
    ));
}

#[test]
fn variants_carry_no_metadata() {
    let tagged = with_exif(&jpeg(&quadrants(64, 64)), &exif_app1(1, true));
    assert!(probe(&tagged, &Limits::default()).is_ok());
    let out = process(&tagged, &Limits::default(), false).unwrap();
    for v in &out.variants {
        let mut chunks = Vec::new();
        let mut at = 12;
        while at + 8 <= v.bytes.len() {
            chunks.push(String::from_utf8_lossy(&v.bytes[at..at + 4]).to_string());
            let len = u32::from_le_bytes(v.bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            at += 8 + len + (len & 1);
        }
        assert!(
            chunks
                .iter()
                .all(|c| ["VP8 ", "VP8L", "VP8X", "ALPH"].contains(&c.as_str())),
            "{chunks:?}"
        );
    }
}

/// A minimal ICC v2 matrix/TRC display profile (gamma 2.2) with the given D50 colorants.
fn icc_profile(r: [f64; 3], g: [f64; 3], b: [f64; 3]) -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(v: [f64; 3]) -> Vec<u8> {
        let mut t = b"XYZ \0\0\0\0".to_vec();
        v.iter().for_each(|c| t.extend(s15(*c)));
        t
    }
    let curv = b"curv\0\0\0\0\0\0\0\x01\x02\x33\0\0".to_vec(); // gamma 2.2 (u8Fixed8 0x0233), padded
    let d50 = [0.9642, 1.0, 0.8249];
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(r)),
        (b"gXYZ", xyz(g)),
        (b"bXYZ", xyz(b)),
        (b"rTRC", curv.clone()),
        (b"gTRC", curv.clone()),
        (b"bTRC", curv),
    ];
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut data = Vec::new();
    let base = 128 + 4 + 12 * tags.len();
    for (sig, body) in &tags {
        table.extend(*sig);
        table.extend(((base + data.len()) as u32).to_be_bytes());
        table.extend((body.len() as u32).to_be_bytes());
        data.extend(body);
        while data.len() % 4 != 0 {
            data.push(0);
        }
    }
    let size = base + data.len();
    let mut h = vec![0u8; 128];
    h[0..4].copy_from_slice(&(size as u32).to_be_bytes());
    h[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
    h[12..16].copy_from_slice(b"mntr");
    h[16..20].copy_from_slice(b"RGB ");
    h[20..24].copy_from_slice(b"XYZ ");
    h[36..40].copy_from_slice(b"acsp");
    for (i, c) in d50.iter().enumerate() {
        h[68 + 4 * i..72 + 4 * i].copy_from_slice(&s15(*c));
    }
    [h, table, data].concat()
}

fn with_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut seg = vec![0xFF, 0xE2];
    seg.extend(((icc.len() + 16) as u16).to_be_bytes());
    seg.extend(b"ICC_PROFILE\0\x01\x01");
    seg.extend(icc);
    with_exif(jpeg, &seg)
}

#[test]
fn display_p3_is_converted_to_srgb() {
    // Display P3 primaries adapted to D50, as in Apple's profile.
    let p3 = icc_profile(
        [0.515102, 0.241196, -0.001053],
        [0.291965, 0.692236, 0.041885],
        [0.157153, 0.066568, 0.784070],
    );
    let flat = RgbImage::from_pixel(64, 48, Rgb([200, 100, 50]));
    let tagged = with_icc(&jpeg(&flat), &p3);
    assert!(
        probe(&tagged, &Limits::default()).unwrap().icc.is_some(),
        "the profile is found"
    );
    let out = process(&tagged, &Limits::default(), false).unwrap();
    let got = decode_webp(&out.variants[0].bytes).to_rgb8().get_pixel(32, 24).0;

    // Expected: P3 (gamma 2.2) → linear → P3-to-sRGB matrix → sRGB transfer curve.
    let lin = |v: u8| (f64::from(v) / 255.0).powf(2.2);
    let (r, g, b) = (lin(200), lin(100), lin(50));
    let m = [
        [1.224_940, -0.224_940, 0.0],
        [-0.042_057, 1.042_057, 0.0],
        [-0.019_638, -0.078_636, 1.098_274],
    ];
    let enc = |v: f64| {
        let v = v.clamp(0.0, 1.0);
        let s = if v <= 0.003_130_8 {
            12.92 * v
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        };
        (s * 255.0).round() as u8
    };
    let expected = m.map(|row| enc(row[0] * r + row[1] * g + row[2] * b));
    assert!(
        got.iter().zip(expected).all(|(a, e)| a.abs_diff(e) <= 8),
        "got {got:?}, expected {expected:?}"
    );
    assert!(
        got[2].abs_diff(50) > 15,
        "unconverted pixels would keep blue near 50: {got:?}"
    );
}
