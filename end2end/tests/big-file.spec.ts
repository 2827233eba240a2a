import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PHOTOS, createProduct, hydrated, unique } from './helpers';

const MiB = 1024 * 1024;

/** A real photo grown to `size` bytes with JPEG comment segments: still a valid JPEG, big enough to go up in parts. */
function bigJpeg(fileName: string, size: number): string {
  const src = readFileSync(join(PHOTOS, 'Wine_by_Jakkub_Mede.jpg'));
  const chunks = [src.subarray(0, 2)];
  let pad = size - src.length;
  while (pad > 0) {
    let total = Math.min(pad, 65_537);
    if (pad - total > 0 && pad - total < 4) total -= 4;
    const seg = Buffer.alloc(total, 0x20);
    seg[0] = 0xff;
    seg[1] = 0xfe;
    seg.writeUInt16BE(total - 2, 2);
    chunks.push(seg);
    pad -= total;
  }
  chunks.push(src.subarray(2));
  const path = join(mkdtempSync(join(tmpdir(), 'vitrine-big-')), fileName);
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

test('a big photo goes up in parts, and after a reload mid-way the same file sends only its missing parts', async ({ page, context }) => {
  test.setTimeout(180_000);
  const name = unique('Walnut table');
  await createProduct(page, name);
  const file = bigJpeg('walnut-table.jpg', 90 * MiB); // twelve parts: eleven of 8 MiB, one of 2 MiB
  let visit = 1;
  const stored: number[] = [];
  const sent: number[][] = [[], [], []];
  // A slow link: every part is answered 150 ms late. On the first visit the
  // connection dies after part 7: parts 8 and on hang (the four slots hold 8–11).
  await context.route(/[?&]partNumber=\d+/, async (route) => {
    const n = Number(new URL(route.request().url()).searchParams.get('partNumber'));
    sent[visit].push(n);
    if (visit === 1 && n >= 8) return;
    await new Promise((wait) => setTimeout(wait, 150));
    const response = await route.fetch();
    if (response.ok()) stored.push(n);
    await route.fulfill({ response });
  });

  await page.getByLabel('Choose images').setInputFiles(file);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  await expect.poll(() => sorted(stored), { timeout: 60_000 }).toEqual(range(1, 7));
  await expect.poll(() => sorted(sent[1])).toEqual(range(1, 11));
  await expect(uploads.getByRole('progressbar', { name: 'walnut-table.jpg' })).not.toHaveAttribute('aria-valuenow', '100');

  // The browser leaves; the admin comes back and chooses the same file again.
  visit = 2;
  await page.reload();
  await hydrated(page);
  await page.getByLabel('Choose images').setInputFiles(file);
  await expect(uploads.getByRole('progressbar', { name: 'walnut-table.jpg' })).toHaveAttribute('aria-valuenow', '100');
  await expect(uploads.getByRole('listitem').filter({ hasText: 'walnut-table.jpg' })).toContainText('Ready', { timeout: 120_000 });
  expect(sorted(sent[2])).toEqual(range(8, 12));

  // One image, not two: the resumed upload is the one begun on the first visit.
  await page.reload();
  await hydrated(page);
  const gallery = page.getByRole('list', { name: 'Gallery' });
  await expect(gallery.getByRole('figure')).toHaveCount(1);
  const img = gallery.getByRole('img', { name: 'walnut-table.jpg', exact: true });
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
});
