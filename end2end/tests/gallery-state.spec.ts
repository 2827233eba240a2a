import { expect, test } from '@playwright/test';
import { callApi, createProduct, dropFiles, photo, unique } from './helpers';

// The admin gallery is redrawn in place: rows are keyed by image, so a refresh
// while something processes never resets a form, a move keeps keyboard focus,
// and the page stops asking the server when nothing it shows can change.

test('text typed into an image keeps while another image processes', async ({ page }) => {
  await createProduct(page, unique('Typing chair'));
  const first = photo('mate_Wood.jpg');
  await dropFiles(page, [first]);
  const gallery = page.getByRole('list', { name: 'Gallery' });
  const row = gallery.locator(':scope > li').filter({ hasText: first.name });
  await expect(row.locator('figure')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });

  await row.getByText(`Edit ${first.name}`).click();
  const alt = row.getByLabel('Alt text');
  await alt.fill('half-typed alt text');

  // A second, big photo uploads and processes: the gallery is listed again (each
  // listing used to redraw every row and reset the open form).
  const second = photo('Infinite-Sea_by_Aury88.jpg');
  await dropFiles(page, [second]);
  const other = gallery.locator(':scope > li').filter({ hasText: second.name });
  await expect(other.locator('figure')).toHaveAttribute('data-status', 'ready', { timeout: 90_000 });

  await expect(alt).toHaveValue('half-typed alt text');
  await expect(alt).toBeVisible();
});

test('moving an image by keyboard keeps focus on its control', async ({ page }) => {
  await createProduct(page, unique('Focus chair'));
  const files = [photo('mate_Wood.jpg'), photo('Wine_by_Jakkub_Mede.jpg'), photo('Bridge_by_Sander_Klootwijk.jpg')];
  await dropFiles(page, files);
  const gallery = page.getByRole('list', { name: 'Gallery' });
  await expect(gallery.getByRole('figure')).toHaveCount(3, { timeout: 60_000 });

  const later = page.getByRole('button', { name: `Move ${files[0].name} later` });
  await later.focus();
  await page.keyboard.press('Enter');
  await expect(gallery.getByRole('figure').nth(1)).toContainText(files[0].name);
  await expect(later).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(gallery.getByRole('figure').nth(2)).toContainText(files[0].name);
  await expect(later).toBeFocused();
});

test('an abandoned upload does not keep the page polling', async ({ page }) => {
  await createProduct(page, unique('Abandoned chair'));
  const productId = page.url().split('/').pop()!;
  // A ticket is asked for and never used: the image stays pending on the server.
  await callApi(page, 'begin_upload', {
    product_id: productId,
    files: [{ name: 'never-sent.jpg', size: 1234, content_type: 'image/jpeg', sha256: 'ab'.repeat(32) }],
  });
  const listings: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/list_images')) listings.push(r.url()); });
  await page.reload();
  await expect(page.getByRole('list', { name: 'Gallery' }).getByRole('figure')).toHaveCount(1);
  await page.waitForTimeout(5_000);
  expect(listings.length, 'listings in 5 s with only an abandoned upload').toBeLessThanOrEqual(1);
});

test('a file whose processing failed has a Retry that processes it again', async ({ page }) => {
  await createProduct(page, unique('Damaged chair'));
  const whole = photo('Wine_by_Jakkub_Mede.jpg');
  const half = { name: 'half.jpg', type: 'image/jpeg', bytes: whole.bytes.subarray(0, whole.bytes.length / 2) };
  await dropFiles(page, [half]);
  const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: half.name });
  await expect(row).toContainText('Failed', { timeout: 60_000 });

  await row.getByRole('button', { name: `Retry ${half.name}` }).click();

  // Processing ran again (the file is still damaged, so it fails again, with its reason).
  const productId = page.url().split('/').pop()!;
  await expect.poll(async () => {
    const images = await callApi<{ attempts: number; status: string }[]>(page, 'list_images', { product_id: productId });
    return `${images[0].status} after ${images[0].attempts}`;
  }, { timeout: 60_000 }).toBe('failed after 2');
  await expect(row).toContainText('Failed');
});

test('an image pasted anywhere on the product page is uploaded', async ({ page }) => {
  await createProduct(page, unique('Pasted chair'));
  const file = photo('mate_Wood.jpg');
  // A paste on the page's heading, far from the drop zone, as Ctrl+V with an image copied.
  await page.evaluate(([name, b64]) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
    document.querySelector('h1')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
  }, [file.name, file.bytes.toString('base64')] as const);
  const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: file.name });
  await expect(row).toContainText('Ready', { timeout: 60_000 });
});

test('a photo already in the gallery is not uploaded twice unless asked', async ({ page }) => {
  await createProduct(page, unique('Twice chair'));
  const file = photo('mate_Wood.jpg');
  const uploads = page.getByRole('list', { name: 'Uploads' });
  await dropFiles(page, [file]);
  await expect(uploads.getByRole('listitem')).toContainText('Ready', { timeout: 60_000 });
  await dropFiles(page, [file]);
  // The earlier batch's finished row folds away; the new one is the only row in view.
  await expect(uploads.getByRole('listitem')).toHaveCount(1);
  const again = uploads.getByRole('listitem').first();
  await expect(again).toContainText('Already in this gallery');
  await expect(page.locator('.summary')).toContainText('1 of 1 uploaded · 1 already in this gallery');
  const gallery = page.getByRole('list', { name: 'Gallery' });
  await expect(gallery.getByRole('figure')).toHaveCount(1);
  await page.getByRole('button', { name: `Upload ${file.name} anyway` }).click();
  await expect(again).toContainText('Ready', { timeout: 60_000 });
  await expect(gallery.getByRole('figure')).toHaveCount(2);
  await page.getByRole('button', { name: 'Show 1 earlier upload' }).click();
  await expect(uploads.getByRole('listitem')).toHaveCount(2);
  await page.getByRole('button', { name: 'Hide earlier uploads' }).click();
  await expect(uploads.getByRole('listitem')).toHaveCount(1);
});
