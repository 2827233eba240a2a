import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PHOTOS, createProduct, dropFiles, hydrated, photo, unique } from './helpers';

test('an admin drops three photos, watches them turn ready, compares, and visitors see them', async ({ page }) => {
  const name = unique('Oak chair');
  await createProduct(page, name);
  const files = [photo('Wine_by_Jakkub_Mede.jpg'), photo('mate_Wood.jpg'), photo('plasma_Kokkini.png')];
  await dropFiles(page, files);

  const uploads = page.getByRole('list', { name: 'Uploads' });
  for (const f of files) {
    await expect(uploads.getByRole('progressbar', { name: f.name })).toHaveAttribute('aria-valuenow', '100');
  }
  await expect(page.getByText('3 of 3 uploaded')).toBeVisible();
  // Processing happens on the server; the page learns of it without a reload.
  for (const f of files) {
    await expect(uploads.getByRole('listitem').filter({ hasText: f.name })).toContainText('Ready', { timeout: 90_000 });
  }

  const gallery = page.getByRole('list', { name: 'Gallery' });
  for (const f of files) {
    const img = gallery.getByRole('img', { name: f.name, exact: true });
    await expect(img).toBeVisible();
    // Below the upload rows the grid is drawn (and its images fetched) once scrolled to.
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  }

  // The compare view: the original and a variant in one box, every version with format, pixels and exact bytes.
  await page.getByRole('button', { name: 'Compare Wine_by_Jakkub_Mede.jpg' }).click();
  const compare = page.getByRole('dialog', { name: 'Compare Wine_by_Jakkub_Mede.jpg' });
  // A modal in the top layer, over the page, not drawn inside its card.
  await expect.poll(() => compare.evaluate((d) => d.matches(':modal'))).toBe(true);
  const versions = compare.getByRole('table', { name: 'Versions of Wine_by_Jakkub_Mede.jpg' });
  await expect(versions.getByRole('row', { name: /^Original/ })).toContainText(/JPEG\s*\d+×\d+\s*[\d,]+ bytes/);
  for (const w of [320, 800, 1600]) {
    await expect(versions.getByRole('row', { name: new RegExp(`^WebP ${w}\\b`) })).toContainText(/WebP\s*\d+×\d+\s*[\d,]+ bytes.*(\d+% smaller|\d+× smaller)/);
  }
  // Both pictures load at the same displayed size; another variant can be chosen.
  const [original, variant] = [compare.getByRole('img', { name: 'Original of Wine_by_Jakkub_Mede.jpg' }), compare.getByRole('img', { name: /^WebP 800 of/ })];
  for (const img of [original, variant]) {
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  }
  expect(await original.boundingBox()).toEqual(await variant.boundingBox());
  await compare.getByRole('button', { name: /^Compare with WebP 320×/ }).click();
  await expect(compare.getByRole('img', { name: /^WebP 320 of/ })).toBeVisible();
  await page.getByLabel('Compare position').fill('20');
  await expect(compare.getByRole('img', { name: /^WebP 320 of/ })).toHaveCSS('clip-path', 'inset(0px 0px 0px 20%)');
  await page.screenshot({ path: test.info().outputPath('compare.png') });
  await compare.getByRole('button', { name: 'Close' }).click();
  await expect(compare).toBeHidden();

  await page.reload();
  await hydrated(page);
  const after = page.getByRole('list', { name: 'Gallery' });
  await expect(after.getByRole('figure')).toHaveCount(3);
  for (const f of files) {
    await expect(after.getByRole('img', { name: f.name, exact: true })).toBeVisible();
  }

  // Once published, visitors get responsive processed images, never the originals.
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByText('Published', { exact: true })).toBeVisible();
  await page.getByRole('link', { name: 'Public page' }).click();
  await expect(page).toHaveURL(/\/p\/oak-chair-/);
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  const pub = page.getByRole('list', { name: 'Gallery' });
  // Without alt text of their own, images are described by the product's name (never a filename).
  const imgs = pub.getByRole('img', { name, exact: true });
  await expect(imgs).toHaveCount(files.length);
  for (let i = 0; i < files.length; i++) {
    await expect(imgs.nth(i)).toHaveAttribute('src', /^\/media\/.*w320/);
    await expect(pub.getByRole('link').nth(i)).toHaveAttribute('data-srcset', /320w.*800w.*1600w/);
  }
  const stage = page.getByRole('link', { name: `Open image 1 of ${files.length} full size` }).getByRole('img', { name, exact: true });
  await expect(stage).toHaveAttribute('srcset', /320w.*800w.*1600w/);
  await expect(stage).toHaveAttribute('width', '1600');
  await expect(stage).not.toHaveAttribute('src', /original\./);
});

test('refused files show their reason at once and never stop the others', async ({ page }) => {
  await createProduct(page, unique('Lamp'));
  await page.getByLabel('Choose images').setInputFiles([
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
    { name: 'fake.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is text wearing a .jpg name') },
    { name: 'bridge.jpg', mimeType: 'image/jpeg', buffer: photo('Bridge_by_Sander_Klootwijk.jpg').bytes },
  ]);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  await expect(uploads.getByRole('listitem').filter({ hasText: 'notes.txt' })).toContainText('Failed: text/plain is not supported');
  await expect(page.getByRole('button', { name: 'Retry notes.txt' })).toHaveCount(0);

  // The server reads the bytes: a text file named .jpg fails after upload, with a retry offered.
  await expect(uploads.getByRole('listitem').filter({ hasText: 'fake.jpg' })).toContainText('Failed: the file is not a JPEG');
  await expect(uploads.getByRole('button', { name: 'Retry fake.jpg' })).toBeVisible();
  await expect(uploads.getByRole('listitem').filter({ hasText: 'bridge.jpg' })).toContainText('Ready', { timeout: 90_000 });
  await expect(page.locator('.summary')).toHaveText('1 of 3 uploaded · 2 failed');
  await expect(page.getByText('1 of 3 uploaded')).toBeVisible();

  const gallery = page.getByRole('list', { name: 'Gallery' });
  await expect(gallery.getByRole('img', { name: 'bridge.jpg', exact: true })).toBeVisible();
  await expect(gallery.getByRole('figure').filter({ hasText: 'fake.jpg' })).toContainText('Failed: the file is not a JPEG');
});

test('a chosen folder is read whole: images in every subfolder go up, other files are refused, hidden ones ignored', async ({ page }) => {
  await createProduct(page, unique('Shelf'));
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-folder-'));
  mkdirSync(join(dir, 'day2', 'close-ups'), { recursive: true });
  copyFileSync(join(PHOTOS, 'mate_Wood.jpg'), join(dir, 'a.jpg'));
  copyFileSync(join(PHOTOS, 'plasma_Kokkini.png'), join(dir, 'day2', 'b.png'));
  copyFileSync(join(PHOTOS, 'Wine_by_Jakkub_Mede.jpg'), join(dir, 'day2', 'close-ups', 'c.jpg'));
  writeFileSync(join(dir, 'notes.txt'), 'shot list');
  writeFileSync(join(dir, '.DS_Store'), 'finder state');
  await page.getByLabel('Choose a folder').setInputFiles(dir);

  const uploads = page.getByRole('list', { name: 'Uploads' });
  for (const name of ['a.jpg', 'b.png', 'c.jpg']) {
    await expect(uploads.getByRole('listitem').filter({ hasText: name })).toContainText('Ready', { timeout: 90_000 });
  }
  await expect(uploads.getByRole('listitem').filter({ hasText: 'notes.txt' })).toContainText('Failed: text/plain is not supported');
  await expect(uploads.getByRole('listitem').filter({ hasText: '.DS_Store' })).toHaveCount(0);
  await expect(page.locator('.summary')).toHaveText('3 of 4 uploaded · 1 failed');
  await expect(page.getByRole('list', { name: 'Gallery' }).getByRole('figure')).toHaveCount(3);
});

test('an unknown public gallery is a 404 page', async ({ page }) => {
  const res = await page.goto(`/p/${unique('nothing').replace(/\W+/g, '-')}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
});

test('a visitor opening /admin lands on the sign-in page, and a wrong password is refused', async ({ page }) => {
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  await page.getByLabel('Email').fill('admin@example.test');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong email or password');
  await expect(page).toHaveURL(/\/login$/);
});
