// sharp doing Vitrine's processing job: auto-orient, resize to 320/800/1600, WebP q80.
//   node bench.mjs default|decode-once DIR [OUT]
// "default" is how sharp is usually written (one pipeline per width, so one decode per width);
// "decode-once" is hand-tuned (one shrink-on-load decode to 1600 wide, then the three encodes).
// Files run as many at a time as there are cores, like the Rust side. Prints one JSON line.
import sharp from 'sharp';
import { availableParallelism } from 'node:os';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, parse } from 'node:path';

const [mode = 'default', dir, out] = process.argv.slice(2);
const WIDTHS = [320, 800, 1600];
const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
if (out) mkdirSync(out, { recursive: true });
const bytes = { 320: 0, 800: 0, 1600: 0 };

async function variants(file) {
  const path = join(dir, file);
  if (mode === 'decode-once') {
    const { data, info } = await sharp(path).rotate().resize({ width: 1600, withoutEnlargement: true })
      .raw().toBuffer({ resolveWithObject: true });
    const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
    return Promise.all(WIDTHS.map((w) => sharp(data, raw).resize({ width: w, withoutEnlargement: true })
      .webp({ quality: 80 }).toBuffer().then((b) => [w, b])));
  }
  return Promise.all(WIDTHS.map((w) => sharp(path).rotate().resize({ width: w, withoutEnlargement: true })
    .webp({ quality: 80 }).toBuffer().then((b) => [w, b])));
}

const queue = [...files];
const t0 = performance.now();
await Promise.all(Array.from({ length: availableParallelism() }, async () => {
  for (let file; (file = queue.shift()); ) {
    for (const [w, b] of await variants(file)) {
      bytes[w] += b.length;
      if (out) writeFileSync(join(out, `${parse(file).name}_w${w}.webp`), b);
    }
  }
}));
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
  engine: `sharp-${mode}`, images: files.length, seconds: +seconds.toFixed(3),
  images_per_sec: +(files.length / seconds).toFixed(3),
  peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  bytes_w320: bytes[320], bytes_w800: bytes[800], bytes_w1600: bytes[1600],
}));
