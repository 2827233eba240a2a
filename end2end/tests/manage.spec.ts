import { expect, test, type Page } from '@playwright/test';
import { callApi, createProduct, dropFiles, photo, unique } from './helpers';

/** The image a visitor's `/media/{id}/{file}` URL names (the id is 22 base64url characters). */
function imageOf(src: string): string {
  const hex = Buffer.from(new URL(src).pathname.split('/')[2], 'base64url').toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

/** The public gallery as a visitor sees it, each image named by its filename in the admin's list
 * (visitors' pages carry no filenames: images are told apart by the id in their URL). */
async function publicNames(page: Page, slugUrl: string): Promise<string[]> {
  const productId = page.url().split('/').pop()!;
  const images = await callApi<{ id: string; original_filename: string; alt_text: string }[]>(
    page, 'list_images', { product_id: productId });
  const visitor = await page.context().browser()!.newPage();
  await visitor.goto(slugUrl);
  const srcs = await visitor.getByRole('list', { name: 'Gallery' }).getByRole('img').evaluateAll(
    (imgs) => imgs.map((i) => (i as HTMLImageElement).currentSrc || (i as HTMLImageElement).src));
  await visitor.close();
  return srcs.map((src) => {
    const img = images.find((i) => i.id === imageOf(src))!;
    return img.alt_text || img.original_filename;
  });
}

test('an admin orders, covers, describes, deletes and publishes; visitors see each step', async ({ page }) => {
  const name = unique('Gallery chair');
  await createProduct(page, name);
  const files = [photo('mate_Wood.jpg'), photo('Bridge_by_Sander_Klootwijk.jpg'), photo('Wine_by_Jakkub_Mede.jpg')];
  await dropFiles(page, files);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  for (const f of files) await expect(uploads.getByRole('listitem').filter({ hasText: f.name })).toContainText('Ready', { timeout: 90_000 });

  // Publish first, so each later step can be checked on the public page.
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByText('Published', { exact: true })).toBeVisible();
  const publicUrl = await page.getByRole('link', { name: 'Public page' }).getAttribute('href');
  expect(await publicNames(page, publicUrl!)).toEqual(files.map((f) => f.name));

  // Reorder by keyboard: the third photo moves one place earlier.
  await page.getByRole('button', { name: `Move ${files[2].name} earlier` }).press('Enter');
  const gallery = page.getByRole('list', { name: 'Gallery' });
  await expect(gallery.getByRole('figure').nth(1)).toContainText(files[2].name);
  expect(await publicNames(page, publicUrl!)).toEqual([files[0].name, files[2].name, files[1].name]);

  // Reorder by drag: the first image is dropped on the last place.
  const items = gallery.locator(':scope > li');
  await items.nth(0).dragTo(items.nth(2));
  await expect(gallery.getByRole('figure').nth(2)).toContainText(files[0].name);
  expect(await publicNames(page, publicUrl!)).toEqual([files[2].name, files[1].name, files[0].name]);

  // Choose the cover: it leads the public gallery.
  await page.getByRole('button', { name: `Make ${files[1].name} the cover` }).click();
  await expect(page.getByRole('button', { name: `Make ${files[1].name} the cover` })).toHaveCount(0);
  expect((await publicNames(page, publicUrl!))[0]).toBe(files[1].name);

  // Alt text replaces the filename everywhere.
  const item = items.filter({ hasText: files[0].name });
  await item.getByText(`Edit ${files[0].name}`).click();
  await item.getByLabel('Alt text').fill('A walnut chair, front view');
  await page.getByRole('button', { name: `Save ${files[0].name}` }).click();
  await expect(gallery.getByRole('img', { name: 'A walnut chair, front view', exact: true })).toBeVisible();
  expect(await publicNames(page, publicUrl!)).toContain('A walnut chair, front view');

  // Delete one image.
  await page.getByRole('checkbox', { name: `Select ${files[2].name}` }).check();
  await page.getByRole('button', { name: 'Delete selected (1)' }).click();
  await expect(gallery.getByRole('figure')).toHaveCount(2);
  expect(await publicNames(page, publicUrl!)).toEqual([files[1].name, 'A walnut chair, front view']);

  // Unpublish: the public page is gone.
  await page.getByRole('button', { name: 'Unpublish' }).click();
  await expect(page.getByText('Not published', { exact: true })).toBeVisible();
  const visitor = await page.context().browser()!.newPage();
  expect((await visitor.goto(publicUrl!))?.status()).toBe(404);
  await visitor.close();
});
