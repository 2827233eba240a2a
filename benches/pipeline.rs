//! Processing benchmark (harness-free). Two modes:
//!
//! * `cargo bench --no-default-features --features imaging --bench pipeline -- run [DIR] [OUT]`
//!   runs the pipeline over every JPEG/PNG in DIR (default ../shared/bench-photos), as many
//!   files at a time as there are cores, and prints one JSON line: images/s, peak RSS, bytes
//!   per width. With OUT, the variants are written there as `{stem}_w{width}.webp`.
//! * `… -- run-avif [DIR]` the same with AVIF variants made too (`processing.avif`).
//! * `… -- icc [DIR]` times the pipeline with and without the colour-profile conversion, on
//!   the photos that embed a profile.
//! * `… -- phases [DIR]` time per phase (probe, decode, resize+encode), one photo at a time.
//! * `… -- quality DIR OUT_A OUT_B` compares two output folders (ours and sharp's) against a
//!   reference (full decode, orientation, Lanczos3, no compression): bytes and DSSIM per width.

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
    time::Instant,
};

use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};
use image::{DynamicImage, ImageDecoder, ImageReader};
use vitrine::imaging::{Limits, Probe, VARIANT_WIDTHS, VariantFormat, decode, probe, process, render, target_widths};

fn photos(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg" || x == "jpeg" || x == "png"))
        .collect();
    files.sort();
    files
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn run(dir: &Path, out: Option<&Path>, avif: bool) {
    let files = photos(dir);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    if let Some(out) = out {
        std::fs::create_dir_all(out).unwrap();
    }
    let queue = Mutex::new((0..files.len()).rev().collect::<Vec<_>>());
    let bytes = Mutex::new([0u64; VARIANT_WIDTHS.len()]);
    let avif_bytes = Mutex::new(0u64);
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let Some(i) = queue.lock().unwrap().pop() else { break };
                    let data = std::fs::read(&files[i]).unwrap();
                    let done = process(&data, &Limits::default(), avif)
                        .unwrap_or_else(|e| panic!("{}: {e}", files[i].display()));
                    for v in &done.variants {
                        if v.format == VariantFormat::Avif {
                            *avif_bytes.lock().unwrap() += v.bytes.len() as u64;
                            continue;
                        }
                        if let Some(k) = VARIANT_WIDTHS.iter().position(|&w| w == v.width) {
                            bytes.lock().unwrap()[k] += v.bytes.len() as u64;
                        }
                        if let Some(out) = out {
                            let stem = files[i].file_stem().unwrap().to_string_lossy();
                            std::fs::write(out.join(format!("{stem}_w{}.webp", v.width)), &v.bytes).unwrap();
                        }
                    }
                }
            });
        }
    });
    let secs = t0.elapsed().as_secs_f64();
    let b = bytes.lock().unwrap();
    println!(
        "{{\"engine\":\"vitrine{}\",\"avif_bytes\":{},\"images\":{},\"seconds\":{secs:.3},\"images_per_sec\":{:.3},\"peak_rss_mb\":{:.1},\"bytes_w320\":{},\"bytes_w800\":{},\"bytes_w1600\":{}}}",
        if avif { "+avif" } else { "" },
        avif_bytes.lock().unwrap(),
        files.len(),
        files.len() as f64 / secs,
        peak_rss_mb(),
        b[0],
        b[1],
        b[2]
    );
}

/// Reference pixels: full-resolution decode, orientation, Lanczos3 to exactly `w`×`h`.
fn reference(original: &DynamicImage, w: u32, h: u32) -> Vec<u8> {
    let src = original.to_rgb8();
    let from =
        fast_image_resize::images::ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3).unwrap();
    let mut to = Image::new(w, h, PixelType::U8x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&from, &mut to, &opts).unwrap();
    to.into_vec()
}

fn luma(rgb: &[u8]) -> Vec<f64> {
    rgb.chunks_exact(3)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect()
}

/// DSSIM (1/SSIM − 1) on luma over 8×8 windows; 0 means identical.
fn dssim(a: &[u8], b: &[u8], w: usize, h: usize) -> f64 {
    let (a, b) = (luma(a), luma(b));
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut total, mut n) = (0.0f64, 0.0f64);
    for by in (0..h.saturating_sub(7)).step_by(4) {
        for bx in (0..w.saturating_sub(7)).step_by(4) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in by..by + 8 {
                for x in bx..bx + 8 {
                    let (p, q) = (a[y * w + x], b[y * w + x]);
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                }
            }
            let k = 64.0;
            let (ma, mb) = (sa / k, sb / k);
            let (va, vb, cov) = (saa / k - ma * ma, sbb / k - mb * mb, sab / k - ma * mb);
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            n += 1.0;
        }
    }
    1.0 / (total / n.max(1.0)) - 1.0
}

fn quality(dir: &Path, outs: &[PathBuf]) {
    for file in photos(dir) {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let mut decoder = ImageReader::open(&file)
            .unwrap()
            .with_guessed_format()
            .unwrap()
            .into_decoder()
            .unwrap();
        let orientation = decoder.orientation().unwrap();
        let mut original = DynamicImage::from_decoder(decoder).unwrap();
        original.apply_orientation(orientation);
        for w in VARIANT_WIDTHS {
            let mut line = format!("{{\"photo\":\"{stem}\",\"width\":{w}");
            for (k, out) in outs.iter().enumerate() {
                let Ok(bytes) = std::fs::read(out.join(format!("{stem}_w{w}.webp"))) else {
                    continue;
                };
                let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP)
                    .unwrap()
                    .to_rgb8();
                let reference = reference(&original, img.width(), img.height());
                let d = dssim(img.as_raw(), &reference, img.width() as usize, img.height() as usize);
                line.push_str(&format!(",\"bytes_{k}\":{},\"dssim_{k}\":{d:.5}", bytes.len()));
            }
            println!("{line}}}");
        }
    }
}

/// The colour-profile conversion's cost: the whole pipeline on the photos that
/// embed a profile, with and without converting it.
fn icc(dir: &Path) {
    let (mut with, mut without, mut n) = (0.0, 0.0, 0);
    for file in photos(dir) {
        let data = std::fs::read(&file).unwrap();
        let p = probe(&data, &Limits::default()).unwrap();
        if p.icc.is_none() {
            continue;
        }
        n += 1;
        let bare = Probe { icc: None, ..p.clone() };
        let widths = target_widths(p.display_width());
        for (probe, total) in [(&p, &mut with), (&bare, &mut without)] {
            let t0 = Instant::now();
            for _ in 0..3 {
                let d = decode(&data, probe, widths[widths.len() - 1]).unwrap();
                render(&d, probe, &widths, false).unwrap();
            }
            *total += t0.elapsed().as_secs_f64() / 3.0;
        }
    }
    println!(
        "{{\"photos_with_icc\":{n},\"pipeline_ms_with_icc\":{:.1},\"pipeline_ms_without\":{:.1}}}",
        with * 1000.0 / f64::from(n.max(1)),
        without * 1000.0 / f64::from(n.max(1))
    );
}

/// Time per phase, one photo at a time, summed over the photos (where the time goes).
fn phases(dir: &Path) {
    let mut t = [0.0f64; 3];
    for file in photos(dir) {
        let data = std::fs::read(&file).unwrap();
        let t0 = Instant::now();
        let p = probe(&data, &Limits::default()).unwrap();
        let widths = target_widths(p.display_width());
        let t1 = Instant::now();
        let d = decode(&data, &p, widths.iter().copied().max().unwrap()).unwrap();
        let t2 = Instant::now();
        let (v, h) = render(&d, &p, &widths, false).unwrap();
        let t3 = Instant::now();
        assert!(!v.is_empty() && !h.is_empty());
        for (k, (a, b)) in [(t0, t1), (t1, t2), (t2, t3)].into_iter().enumerate() {
            t[k] += (b - a).as_secs_f64() * 1000.0;
        }
    }
    println!(
        "{{\"probe_ms\":{:.0},\"decode_ms\":{:.0},\"resize_encode_thumbhash_wall_ms\":{:.0}}}",
        t[0], t[1], t[2]
    );
}

fn main() {
    vitrine::imaging::tune_malloc();
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let default_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench-photos");
    match args.first().map(String::as_str) {
        Some("phases") => phases(&args.get(1).map(PathBuf::from).unwrap_or(default_dir)),
        Some("icc") => icc(&args.get(1).map(PathBuf::from).unwrap_or(default_dir)),
        Some("quality") => {
            let outs: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
            quality(Path::new(&args[1]), &outs);
        }
        Some("run-avif") => run(&args.get(1).map(PathBuf::from).unwrap_or(default_dir), None, true),
        _ => {
            let dir = args.get(1).map(PathBuf::from).unwrap_or(default_dir);
            run(&dir, args.get(2).map(Path::new), false);
        }
    }
}
