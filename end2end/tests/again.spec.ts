import { expect, test, type BrowserContext } from '@playwright/test';
import { createProduct, dropFiles, hydrated, photo, unique } from './helpers';

const SIGNED = /[?&]X-Amz-Signature=/;

/** Holds every PUT to the store until `release`; `seen` resolves at the first. */
async function holdPuts(context: BrowserContext) {
  let release!: () => void;
  let saw!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const seen = new Promise<void>((r) => (saw = r));
  await context.route(SIGNED, async (route) => {
    if (route.request().method() !== 'PUT') return route.continue();
    saw();
    await held;
    // The tab that sent it may be gone by then.
    await route.continue().catch(() => {});
  });
  return { release, seen };
}

test('an upload a closed tab left unfinished is finished when the file is dropped again', async ({ page, context }) => {
  await createProduct(page, unique('Closed tab'));
  const productPage = page.url();
  const { release, seen } = await holdPuts(context);
  const file = photo('mate_Wood.jpg');
  await dropFiles(page, [file]);
  await seen;
  await page.close();
  await context.unroute(SIGNED);
  release();

  // The image the closed tab announced is still pending; the same file dropped
  // again takes it up (not "Already in this gallery", not a second image).
  const again = await context.newPage();
  await again.goto(productPage);
  await hydrated(again);
  await dropFiles(again, [file]);
  const row = again.getByRole('list', { name: 'Uploads' }).getByRole('listitem').first();
  await expect(row).toContainText('Ready', { timeout: 60_000 });
  await expect(again.locator('.summary')).toHaveText(/^1 of 1 uploaded/);
  await expect(again.getByRole('list', { name: 'Gallery' }).getByRole('figure')).toHaveCount(1);
});

test('a photo dropped again while it is going up is sent once', async ({ page, context }) => {
  await createProduct(page, unique('Dropped twice'));
  const { release, seen } = await holdPuts(context);
  const file = photo('mate_Wood.jpg');
  await dropFiles(page, [file]);
  await seen;
  await dropFiles(page, [file]);
  const rows = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem');
  await expect(rows.filter({ hasText: 'Already in this gallery' })).toHaveCount(1);
  release();
  await expect(rows.filter({ hasText: 'Ready' })).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByRole('list', { name: 'Gallery' }).getByRole('figure')).toHaveCount(1);
});
