import { expect, test } from '@playwright/test';
import { createProduct, photo, unique } from './helpers';

// Tickets last 20 s in the browser tests (VITRINE_PRESIGN_TTL_SECS in playwright.config.ts).
const TICKET_SECS = 20;

test('a ticket that expires before its PUT reaches storage is renewed, and the file still goes up', async ({ page, context }) => {
  test.setTimeout(120_000);
  await createProduct(page, unique('Slow start'));
  const answers: number[] = [];
  // The first PUT is held past its ticket's life, as on a link that stalls, then
  // sent on to the store, which answers for itself; later PUTs pass untouched.
  await context.route(/[?&]X-Amz-Signature=/, async (route) => {
    if (route.request().method() !== 'PUT') return route.continue();
    if (answers.length === 0) await new Promise((wait) => setTimeout(wait, (TICKET_SECS + 2) * 1000));
    const response = await route.fetch();
    answers.push(response.status());
    await route.fulfill({ response });
  });

  const bridge = photo('Bridge_by_Sander_Klootwijk.jpg');
  await page.getByLabel('Choose images').setInputFiles({ name: 'bridge.jpg', mimeType: bridge.type, buffer: bridge.bytes });
  const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: 'bridge.jpg' });
  await expect(row).toContainText('Ready', { timeout: 90_000 });
  // The store refused the expired URL; the page asked for a fresh ticket and sent the file again.
  expect(answers).toEqual([403, 200]);
  await expect(page.locator('.summary')).toHaveText(/^1 of 1 uploaded/);
});
