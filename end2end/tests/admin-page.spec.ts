// The admin product page as an admin meets it: a real button to choose files,
// a page-wide target while files are dragged over the window, and the page
// during and after an upload (screenshots for the eye, facts for the test).
import { expect, test } from '@playwright/test';
import { createProduct, photo, transferOf, unique } from './helpers';

test('files dragged anywhere over the page drop onto a page-wide target; the picker is a button', async ({ page }, info) => {
  await createProduct(page, unique('Drag chair'));
  // The file input is named by its styled label and keeps keyboard focus visible there.
  const picker = page.getByLabel('Choose images');
  await picker.focus();
  await expect(page.locator('label.picker', { hasText: 'Choose images' })).toHaveCSS('outline-style', 'solid');
  expect(await picker.evaluate((i) => i.getBoundingClientRect().width)).toBeLessThanOrEqual(1);

  const file = photo('Bridge_by_Sander_Klootwijk.jpg');
  const dataTransfer = await transferOf(page, [file]);
  const target = page.getByText('Drop images to add them to this product');
  await expect(target).toBeHidden();
  await page.locator('h1').dispatchEvent('dragenter', { dataTransfer });
  await expect(target).toBeVisible();
  await page.screenshot({ path: info.outputPath('admin-dragging.png') });
  await page.locator('.drop-overlay').dispatchEvent('drop', { dataTransfer });
  await expect(target).toBeHidden();

  const row = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: file.name });
  await expect(row).toBeVisible();
  await page.screenshot({ path: info.outputPath('admin-uploading.png'), fullPage: true });
  await expect(row).toContainText('Ready', { timeout: 90_000 });
  // A finished bar turns to its done colour.
  await expect(row.locator('.fill')).toHaveCSS('background-color', 'rgb(26, 127, 55)');
  const tile = page.getByRole('list', { name: 'Gallery' }).getByRole('figure').filter({ hasText: file.name });
  await expect(tile).toHaveAttribute('data-status', 'ready');
  // Every control of the image sits inside its card.
  const card = (await page.getByRole('list', { name: 'Gallery' }).locator(':scope > li').first().boundingBox())!;
  for (const control of [page.getByLabel(`Select ${file.name}`), page.getByRole('button', { name: `Move ${file.name} later` }),
    page.getByRole('button', { name: `Compare ${file.name}` }), page.getByText(`Edit ${file.name}`)]) {
    const b = (await control.boundingBox())!;
    expect(b.x >= card.x && b.y >= card.y && b.x + b.width <= card.x + card.width && b.y + b.height <= card.y + card.height,
      `${await control.textContent()} inside its card`).toBe(true);
  }
  await page.screenshot({ path: info.outputPath('admin-after.png'), fullPage: true });

  // At phone width nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: info.outputPath('admin-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  // An image's own card deletes it; the empty gallery says what to do.
  await page.getByRole('button', { name: `Delete ${file.name}` }).click();
  await expect(page.getByRole('list', { name: 'Gallery' }).getByRole('figure')).toHaveCount(0);
  await expect(page.getByText('No images yet. Drop photos above')).toBeVisible();
});

test("a failed image's card offers Retry, Replace and Delete; a replacement takes its place", async ({ page }) => {
  await createProduct(page, unique('Replace chair'));
  const fake = { name: 'fake.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('text wearing a .jpg name') };
  const bridge = photo('Bridge_by_Sander_Klootwijk.jpg');
  await page.getByLabel('Choose images').setInputFiles([fake, { name: bridge.name, mimeType: bridge.type, buffer: bridge.bytes }]);
  const gallery = page.getByRole('list', { name: 'Gallery' });
  const card = gallery.getByRole('listitem').filter({ hasText: fake.name });
  await expect(card).toContainText('Failed: the file is not a JPEG', { timeout: 60_000 });
  await expect(card.getByRole('button', { name: `Retry ${fake.name}` })).toBeVisible();
  await expect(card.getByRole('button', { name: `Delete ${fake.name}` })).toBeVisible();

  const wood = photo('mate_Wood.jpg');
  await card.getByLabel(`Replace ${fake.name}`).setInputFiles({ name: wood.name, mimeType: wood.type, buffer: wood.bytes });

  // The replacement is first, where the failed image was; the failed image is gone.
  const names = gallery.locator('figcaption .filename');
  await expect(names).toHaveText([wood.name, bridge.name], { timeout: 30_000 });
  await expect(gallery.locator('figure[data-status="ready"]').filter({ hasText: wood.name })).toBeVisible({ timeout: 90_000 });
});
