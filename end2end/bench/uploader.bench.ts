// The browser uploader against the wire: 40 real photos (≈ 65 MB) PUT through
// presigned URLs 4 at a time by curl, by plain fetch() from the page, by
// fetch() after a WebCrypto SHA-256 of each file (what binding the digest costs
// any browser uploader), and by the app's uploader (picked with "Choose images", timed in the page from the
// input's change event to "40 of 40 uploaded"). Rounds interleave the four;
// the figures printed are MB/s per round, the median and the worst round.
//   scripts/bench-uploader.sh        (BENCH_ROUNDS=3, BENCH_FILES=40)
import { expect, test, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callApi, hydrated, PHOTOS, signIn, unique } from '../tests/helpers';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FILES = Number(process.env.BENCH_FILES ?? 40);
const PARALLEL = 4;

type Ticket = { index: number; image_id: string; url: string; headers: [string, string][] };
type Batch = { successful: Ticket[]; failed: unknown[] };
type Image = { id: string; status: string };

/** FILES copies of the bench photos (cycled), each with its own name and bytes:
 * repeats get a byte after the image's end, or the page would skip them as
 * "Already in this gallery". */
function corpus(): { paths: string[]; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-upbench-'));
  const photos = readdirSync(PHOTOS).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const paths = Array.from({ length: FILES }, (_, i) => {
    const src = photos[i % photos.length];
    const dest = join(dir, `${String(i).padStart(3, '0')}-${src}`);
    copyFileSync(join(PHOTOS, src), dest);
    if (i >= photos.length) appendFileSync(dest, Buffer.from([i & 0xff]));
    return dest;
  });
  return { paths, bytes: paths.reduce((n, p) => n + statSync(p).size, 0) };
}

const typeOf = (p: string) => (p.endsWith('.png') ? 'image/png' : 'image/jpeg');
// Tickets bind each file's SHA-256, as the page's uploader announces it.
const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const spec = (p: string) => ({ name: p.split('/').pop()!, size: statSync(p).size, content_type: typeOf(p), sha256: sha256(p) });

async function tickets(page: Page, productId: string, paths: string[]): Promise<Ticket[]> {
  const batch = await callApi<Batch>(page, 'begin_upload', { product_id: productId, files: paths.map(spec) });
  expect(batch.failed).toEqual([]);
  return batch.successful;
}

/** Runs `jobs` with at most PARALLEL at a time. */
async function pool<T>(items: T[], job: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < items.length) await job(items[next++]);
  }));
}

async function viaCurl(page: Page, productId: string, paths: string[]): Promise<number> {
  const ts = await tickets(page, productId, paths);
  const t0 = performance.now();
  await pool(ts, async (t) => {
    const headers = t.headers.flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    // -T streams the file from disk, as a browser does.
    const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Expect:',
      ...headers, '-T', paths[t.index], t.url]);
    expect(stdout).toBe('200');
  });
  const secs = (performance.now() - t0) / 1000;
  for (const t of ts) await callApi(page, 'cancel_upload', { image_id: t.image_id });
  return secs;
}

/** PUTs through fetch() from the page; with `hash`, each slot first digests its
 * file (WebCrypto, as any uploader that binds a SHA-256 must): the floor for the app. */
async function viaFetch(page: Page, productId: string, paths: string[], hash = false): Promise<number> {
  const ts = await tickets(page, productId, paths);
  // The files as the page sees them: picked through a file input of its own.
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file'; input.multiple = true; input.id = 'bench-files';
    document.body.append(input);
  });
  await page.locator('#bench-files').setInputFiles(paths);
  const secs = await page.evaluate(async ([ts, parallel, hash]) => {
    const files = (document.getElementById('bench-files') as HTMLInputElement).files!;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < ts.length) {
        const t = ts[next++];
        if (hash) await crypto.subtle.digest('SHA-256', await files[t.index].arrayBuffer());
        const res = await fetch(t.url, { method: 'PUT', body: files[t.index], headers: Object.fromEntries(t.headers) });
        if (!res.ok) throw new Error(`PUT ${res.status}`);
      }
    }));
    return (performance.now() - t0) / 1000;
  }, [ts, PARALLEL, hash] as const);
  await page.locator('#bench-files').evaluate((el) => el.remove());
  for (const t of ts) await callApi(page, 'cancel_upload', { image_id: t.image_id });
  return secs;
}

async function viaApp(page: Page, productId: string, paths: string[]): Promise<number> {
  await page.goto(`/admin/products/${productId}`);
  await hydrated(page);
  // Timed inside the page: from the picker's change event to the summary reading "n of n uploaded".
  await page.evaluate((n) => {
    const w = window as unknown as { benchStart?: number; benchEnd?: Promise<number> };
    document.addEventListener('change', () => { w.benchStart ??= performance.now(); }, { capture: true });
    w.benchEnd = new Promise((resolve) => {
      const done = `${n} of ${n} uploaded`;
      const observer = new MutationObserver(() => {
        if (document.querySelector('.summary')?.textContent?.startsWith(done)) {
          observer.disconnect();
          resolve(performance.now());
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }, paths.length);
  await page.getByLabel('Choose images').setInputFiles(paths);
  return page.evaluate(async () => {
    const w = window as unknown as { benchStart: number; benchEnd: Promise<number> };
    return ((await w.benchEnd) - w.benchStart) / 1000;
  });
}

/** Waits until the worker has processed everything, so rounds do not overlap. */
async function settle(page: Page, productId: string) {
  await expect.poll(async () => {
    const images = await callApi<Image[]>(page, 'list_images', { product_id: productId });
    return images.filter((i) => !['ready', 'failed'].includes(i.status)).length;
  }, { timeout: 15 * 60_000, intervals: [1000] }).toBe(0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('uploader throughput against curl and fetch()', async ({ page }) => {
  const { paths, bytes } = corpus();
  const mb = bytes / 1e6;
  await signIn(page);
  const rates: Record<'curl' | 'fetch' | 'hashed' | 'app', number[]> = { curl: [], fetch: [], hashed: [], app: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    const product = await callApi<{ id: string }>(page, 'create_product', { name: unique('Upload bench') });
    rates.curl.push(mb / await viaCurl(page, product.id, paths));
    rates.fetch.push(mb / await viaFetch(page, product.id, paths));
    rates.hashed.push(mb / await viaFetch(page, product.id, paths, true));
    rates.app.push(mb / await viaApp(page, product.id, paths));
    if (process.env.VITRINE_RUN_WORKER !== 'false') await settle(page, product.id);
    console.log(`round ${round}: curl ${rates.curl.at(-1)!.toFixed(1)} MB/s, fetch ${rates.fetch.at(-1)!.toFixed(1)} MB/s, fetch+sha256 ${rates.hashed.at(-1)!.toFixed(1)} MB/s, app ${rates.app.at(-1)!.toFixed(1)} MB/s, app/curl ${(rates.app.at(-1)! / rates.curl.at(-1)!).toFixed(2)}`);
  }
  const ratios = rates.app.map((a, i) => a / rates.curl[i]);
  const floor = rates.app.map((a, i) => a / rates.hashed[i]);
  console.log(`${FILES} files, ${mb.toFixed(1)} MB, ${PARALLEL} at a time, ${ROUNDS} rounds`);
  for (const k of ['curl', 'fetch', 'hashed', 'app'] as const) {
    console.log(`${k.padEnd(6)} median ${median(rates[k]).toFixed(1)} MB/s, worst ${Math.min(...rates[k]).toFixed(1)} MB/s`);
  }
  console.log(`app / curl: median ${median(ratios).toFixed(2)}x, worst round ${Math.min(...ratios).toFixed(2)}x`);
  console.log(`app / fetch+sha256: median ${median(floor).toFixed(2)}x, worst round ${Math.min(...floor).toFixed(2)}x`);
});
