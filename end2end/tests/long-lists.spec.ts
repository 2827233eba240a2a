import { expect, test } from '@playwright/test';
import { createProduct, unique } from './helpers';

// Rows past the first screens and cards past the first 60 are built once they
// come near the viewport; scrolled to, they are whole and work.
test('a long drop: rows and cards far down the page are built when scrolled to, and work', async ({ page }) => {
  test.setTimeout(180_000);
  await createProduct(page, unique('Long list'));
  const n = 70;
  const last = `tile-${String(n - 1).padStart(4, '0')}.jpg`;
  // Distinct small JPEGs made in the page, dropped at once.
  await page.evaluate(async (n) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const ctx = canvas.getContext('2d')!;
    const dt = new DataTransfer();
    for (let i = 0; i < n; i++) {
      ctx.fillStyle = `hsl(${(i * 37) % 360} 70% ${30 + (i % 40)}%)`;
      ctx.fillRect(0, 0, 64, 48);
      const blob: Blob = await new Promise((ok) => canvas.toBlob((b) => ok(b!), 'image/jpeg', 0.8));
      dt.items.add(new File([blob], `tile-${String(i).padStart(4, '0')}.jpg`, { type: 'image/jpeg' }));
    }
    document.querySelector('[aria-label="Drop images here"]')!
      .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, n);

  const uploads = page.getByRole('list', { name: 'Uploads' });
  await expect(uploads.getByRole('listitem')).toHaveCount(n);
  await expect(page.locator('.summary')).toContainText(`${n} of ${n} uploaded`, { timeout: 120_000 });
  const row = uploads.getByRole('listitem').filter({ hasText: last });
  await row.scrollIntoViewIfNeeded();
  await expect(row.getByRole('progressbar', { name: last })).toHaveAttribute('aria-valuenow', '100');

  const gallery = page.getByRole('list', { name: 'Gallery' });
  await expect(gallery.getByRole('listitem')).toHaveCount(n);
  const card = gallery.getByRole('listitem').last();
  await card.scrollIntoViewIfNeeded();
  await expect(card.getByRole('img', { name: last, exact: true })).toBeVisible({ timeout: 120_000 });
  await card.getByRole('button', { name: `Delete ${last}` }).click();
  await expect(gallery.getByRole('listitem')).toHaveCount(n - 1);
  await expect(gallery.getByRole('img', { name: last, exact: true })).toHaveCount(0);
});
