// Stored text never becomes markup on admin pages, and the Content-Security-Policy
// lets the app's own bundle run while anything injected would be refused.
import { expect, test } from '@playwright/test';
import { callApi, dropFiles, hydrated, photo, signIn, unique } from './helpers';

const HOSTILE = '</textarea><img src=x onerror="window.__xss=1"><textarea>';

test('hostile descriptions stay text on the admin page; no script runs and no CSP violation', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await signIn(page);
  const name = unique('Hostile stool');
  const product = await callApi<{ id: string; slug: string }>(page, 'create_product', { name });
  await callApi(page, 'update_product', { id: product.id, name, slug: product.slug, description: HOSTILE });
  await page.goto(`/admin/products/${product.id}`);
  await hydrated(page);
  await dropFiles(page, [photo('mate_Wood.jpg')]);
  await expect(page.getByRole('list', { name: 'Uploads' }).getByRole('listitem')).toContainText('Ready', { timeout: 90_000 });
  const [image] = await callApi<{ id: string }[]>(page, 'list_images', { product_id: product.id });
  await callApi(page, 'update_image_text', {
    product_id: product.id, image_id: image.id, alt_text: '', title: HOSTILE, description: HOSTILE, tags: [],
  });

  const res = await page.goto(`/admin/products/${product.id}`);
  const csp = res!.headers()['content-security-policy'];
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{22}' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res!.headers()['x-content-type-options']).toBe('nosniff');
  expect(res!.headers()['cache-control']).toBe('no-store');
  // The server's HTML itself holds no injected element (before any script runs).
  expect(await res!.text()).not.toContain('<img src=x');
  await hydrated(page);

  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await page.getByText('Product settings').click();
  await expect(page.getByLabel('Description').first()).toHaveValue(HOSTILE);
  await page.getByText('Edit mate_Wood.jpg').click();
  await expect(page.getByLabel('Title')).toHaveValue(HOSTILE);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
});

test('a page of another site cannot write with the admin cookie', async ({ page, request }) => {
  await signIn(page);
  const cookies = await page.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const url = '/api/create_product';
  const body = Buffer.from(JSON.stringify({ name: unique('Forged') }));
  // What <form enctype=text/plain> sends, and the same with no content type at all.
  for (const headers of [
    { 'Content-Type': 'text/plain', Origin: 'http://evil.example' },
    { 'Content-Type': 'text/plain', Origin: new URL(page.url()).origin },
    { Origin: new URL(page.url()).origin },
    { 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:1' },
  ]) {
    const res = await request.post(url, { data: body, headers: { ...headers, Cookie: cookie } });
    expect(res.status(), JSON.stringify(headers)).toBe(403);
  }
  const products = await callApi<{ name: string }[]>(page, 'list_products', {});
  expect(products.filter((p) => p.name.startsWith('Forged'))).toEqual([]);
});
