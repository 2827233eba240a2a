// The build users get (release, hashed and precompressed bundle) boots on every
// route: no page error, no failed script or WASM request; admin pages hydrate,
// visitors' pages are plain HTML that load no WASM at all.
import { expect, test, type Page } from '@playwright/test';
import { callApi, dropFiles, hydrated, photo, signIn, unique } from './helpers';

type Product = { id: string; slug: string };
type Image = { id: string; placeholder: string | null };

/** Records what would mean a broken page: script errors, console errors, failed requests. */
function watch(page: Page) {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A 404 page reports its own status as a failed load: that one is expected.
    const own404 = m.location().url === page.url() && /status of 404/.test(m.text());
    if (m.type() === 'error' && !own404) problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    // ERR_ABORTED is Chromium cancelling a request because its page went away: the
    // product page starts its upload worker, and the next visit can leave before the
    // worker's scripts arrive. A broken file fails as an HTTP status (below), a
    // blocked or unreachable one with another error.
    const error = r.failure()?.errorText;
    if (error !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${error}`);
  });
  page.on('response', (r) => {
    if (/\.(js|wasm|css)$/.test(new URL(r.url()).pathname) && r.status() >= 400) {
      problems.push(`HTTP ${r.status()} for ${r.url()}`);
    }
  });
  return problems;
}

/** The pixels of an image URL (a data URL here), drawn at its natural size. */
async function pixels(page: Page, url: string): Promise<number[]> {
  return page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
  }, url);
}

test('every route of the release build boots: admin pages hydrate, visitors get plain HTML', async ({ page }) => {
  await signIn(page);
  const product = await callApi<Product>(page, 'create_product', { name: unique('Boot lamp') });
  await page.goto(`/admin/products/${product.id}`);
  await hydrated(page);
  await dropFiles(page, [photo('mate_Wood.jpg')]);
  await expect(page.getByRole('list', { name: 'Uploads' }).getByRole('listitem')).toContainText('Ready', { timeout: 90_000 });
  await callApi(page, 'set_published', { id: product.id, published: true });

  // The REST listing carries the server's PNG of each placeholder (the admin page's
  // own listing leaves it out: the page never draws it).
  const { secret } = await callApi<{ secret: string }>(page, 'create_token', { name: unique('Boot'), scope: 'read' });
  const [image] = await page.evaluate(async ([id, secret]) => {
    const res = await fetch(`/api/v1/products/${id}/images`, { headers: { Authorization: `Bearer ${secret}` } });
    return ((await res.json()) as { images: Image[] }).images;
  }, [product.id, secret] as const);

  const problems = watch(page);
  const bundle: string[] = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/pkg/vitrine.') && !r.url().endsWith('.css')) bundle.push(r.url()); });
  for (const path of ['/login', '/admin', '/admin/tokens', `/admin/products/${product.id}`]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(200);
    await hydrated(page);
  }
  for (const path of ['/', `/p/${product.slug}`]) {
    bundle.length = 0;
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(200);
    await page.waitForLoadState('load');
    expect(bundle, `${path} loads no script bundle or WASM`).toEqual([]);
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated');
  }
  // The public page draws each image's ThumbHash placeholder itself: the same
  // pixels as the server's PNG of it (within rounding).
  // (A thumbnail's: the stage's placeholder goes once its pixels are in.)
  const bg = await page.locator('ul.thumbs img[data-thumbhash]').first().evaluate((img) => getComputedStyle(img).backgroundImage);
  const drawn = bg.match(/^url\("(data:image\/png;base64,[^"]+)"\)$/)?.[1];
  expect(drawn, bg).toBeTruthy();
  const [ours, server] = [await pixels(page, drawn!), await pixels(page, image.placeholder!)];
  expect(ours.length).toBe(server.length);
  expect(Math.max(...ours.map((v, i) => Math.abs(v - server[i])))).toBeLessThanOrEqual(2);
  // A 404 is still a working page.
  const missing = await page.goto('/no/such/page');
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await hydrated(page);
  expect(problems).toEqual([]);
});

test('the bundle has content-hashed names, is cached for good and sent compressed', async ({ page, request }) => {
  await page.goto('/login');
  await hydrated(page);
  const files = await page.evaluate(() => [
    ...Array.from(document.querySelectorAll('link[rel=modulepreload], link[rel=preload], link[rel=stylesheet]'))
      .map((l) => (l as HTMLLinkElement).getAttribute('href')!),
  ]);
  const js = files.find((f) => f.endsWith('.js'))!;
  const wasm = files.find((f) => f.endsWith('.wasm'))!;
  const css = files.find((f) => f.endsWith('.css'))!;
  for (const f of [js, wasm, css]) {
    expect(f, 'hashed name').toMatch(/^\/pkg\/vitrine\.[A-Za-z0-9_-]{22}\.(js|wasm|css)$/);
    for (const encoding of ['br', 'gzip']) {
      const res = await request.get(f, { headers: { 'Accept-Encoding': encoding } });
      expect(res.status(), f).toBe(200);
      expect(res.headers()['content-encoding'], `${f} as ${encoding}`).toBe(encoding);
      expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  }
  const wasmRes = await request.get(wasm, { headers: { 'Accept-Encoding': 'identity' } });
  expect(wasmRes.headers()['content-encoding']).toBeUndefined();
  expect(wasmRes.headers()['content-type']).toBe('application/wasm');

  // Pages are compressed and revalidated; admin pages and server functions are never stored.
  const home = await request.get('/', { headers: { 'Accept-Encoding': 'br' } });
  expect(home.headers()['content-encoding']).toBe('br');
  expect(home.headers()['cache-control']).toBe('no-cache');
  const gz = await request.get('/login', { headers: { 'Accept-Encoding': 'gzip' } });
  expect(gz.headers()['content-encoding']).toBe('gzip');
  expect(gz.headers()['cache-control']).toBe('no-cache');
  const admin = await request.get('/admin', { maxRedirects: 0 });
  expect(admin.status()).toBe(303);
  expect(admin.headers()['cache-control']).toBe('no-store');
  const api = await request.post('/api/list_published_products', { data: {}, headers: { Origin: new URL(page.url()).origin } });
  expect(api.headers()['cache-control']).toBe('no-store');
});
