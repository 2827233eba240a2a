// API tokens as an admin manages them: create one on /admin/tokens, copy the
// secret shown once, use it on the REST door from outside the browser, revoke it.
import { expect, request as playwrightRequest, test } from '@playwright/test';
import { hydrated, signIn, unique } from './helpers';

test('an admin creates a token, a script uses it, the admin revokes it', async ({ page, baseURL }, info) => {
  await signIn(page);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  await hydrated(page);

  const name = unique('Nightly sync');
  await page.getByLabel('Token name').fill(name);
  await page.getByLabel('Scope').selectOption('read');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByLabel("New token's secret").textContent())!.trim();
  expect(secret).toMatch(/^vit_[0-9a-f]{64}$/);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
  await expect(row).toContainText('read');
  await expect(row).toContainText('never');
  await page.screenshot({ path: info.outputPath('tokens.png'), fullPage: true });
  // The secret is shown once: a reload lists the token but not its secret.
  await page.reload();
  await expect(row).toBeVisible();
  await expect(page.getByText(secret)).toHaveCount(0);

  // A script with nothing but the token (no cookie, no Origin).
  const script = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${secret}` } });
  expect((await script.get('/api/v1/products')).status()).toBe(200);
  const write = await script.post('/api/v1/products', { data: { name: 'Not allowed' } });
  expect(write.status()).toBe(403);
  expect(write.headers()['content-type']).toBe('application/problem+json');

  // Its use shows on the list.
  await page.reload();
  await hydrated(page);
  await expect(row).not.toContainText('never');
  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(row).toContainText('revoked');
  expect((await script.get('/api/v1/products')).status()).toBe(401);
  await script.dispose();
});
