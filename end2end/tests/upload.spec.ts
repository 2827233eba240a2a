import { expect, test } from '@playwright/test';
import { createProduct, dropFiles, hydrated, photo, unique } from './helpers';

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
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  }

  // The compare view: the original beside each variant, with format, pixels and bytes.
  await page.getByText('Compare Wine_by_Jakkub_Mede.jpg').click();
  const versions = page.getByRole('list', { name: 'Versions of Wine_by_Jakkub_Mede.jpg' });
  await expect(versions).toContainText(/Original · JPEG · \d+×\d+ · [\d.]+ (KB|MB)/);
  for (const w of [320, 800, 1600]) {
    await expect(versions).toContainText(new RegExp(`WebP · ${w}×\\d+ · [\\d.]+ (B|KB|MB) · \\d+% smaller`));
  }

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
    const img = imgs.nth(i);
    await expect(img).toHaveAttribute('srcset', /320w.*800w.*1600w/);
    await expect(img).toHaveAttribute('width', '1600');
    await expect(img).not.toHaveAttribute('src', /original\./);
  }
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
  await expect(page.getByRole('button', { name: 'Retry fake.jpg' })).toBeVisible();
  await expect(uploads.getByRole('listitem').filter({ hasText: 'bridge.jpg' })).toContainText('Ready', { timeout: 90_000 });
  await expect(page.getByText('1 of 3 uploaded')).toBeVisible();

  const gallery = page.getByRole('list', { name: 'Gallery' });
  await expect(gallery.getByRole('img', { name: 'bridge.jpg', exact: true })).toBeVisible();
  await expect(gallery.getByRole('figure').filter({ hasText: 'fake.jpg' })).toContainText('Failed: the file is not a JPEG');
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
