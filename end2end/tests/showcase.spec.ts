// The product page a shopper sees: the chosen image on a stage, thumbnails to
// choose another, a lightbox with keys and swipes, shareable addresses, no
// layout shift, readable on a phone, and working links without script.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createProduct, dropFiles, photo, unique } from './helpers';

type Shop = { name: string; url: string };
let shop: Shop;

/** Three ready images of mixed shapes (one portrait through its EXIF orientation), published. */
async function publish(page: Page): Promise<Shop> {
  const name = unique('Showcase lamp');
  await createProduct(page, name);
  const files = [photo('mate_Wood.jpg'), photo('sunset_by_Aitzol_Berasategi_orient6.jpg'), photo('Bridge_by_Sander_Klootwijk.jpg')];
  await dropFiles(page, files);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  for (const f of files) {
    await expect(uploads.getByRole('listitem').filter({ hasText: f.name })).toContainText('Ready', { timeout: 90_000 });
  }
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByText('Published', { exact: true })).toBeVisible();
  return { name, url: (await page.getByRole('link', { name: 'Public page' }).getAttribute('href'))! };
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  shop = await publish(page);
  await page.close();
});

/** A visitor's page (no cookies) that sums layout shifts from the start. */
async function visitor(browser: Browser, viewport = { width: 1280, height: 900 }, javaScriptEnabled = true, hasTouch = false) {
  const context = await browser.newContext({ viewport, javaScriptEnabled, hasTouch, isMobile: hasTouch });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { cls: number };
    w.cls = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!e.hadRecentInput) w.cls += e.value;
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  return page;
}

/** A finger's horizontal swipe across the middle of `box`, as real touch input (through
 * the browser's gesture handling, so a page that let it pan would never see it end). */
async function swipe(page: Page, box: { x: number; y: number; width: number; height: number }, dx: number) {
  const cdp = await page.context().newCDPSession(page);
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  for (let i = 1; i <= 6; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x + (dx * i) / 6, y }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

const cls = (page: Page) => page.evaluate(() => (window as unknown as { cls: number }).cls);
const widest = (srcset: string) => srcset.split(', ').pop()!.split(' ')[0];

test('a shopper chooses images, opens the lightbox and shares what they see', async ({ browser }, info) => {
  const page = await visitor(browser);
  const requested: string[] = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(shop.url);
  await expect(page.getByRole('heading', { level: 1, name: shop.name })).toBeVisible();
  await expect(page).toHaveTitle(`${shop.name} · Vitrine`);

  // The cover on the stage, asked for first; thumbnails wait until they are near.
  const stage = page.getByRole('link', { name: 'Open image 1 of 3 full size' });
  const stageImg = stage.getByRole('img');
  await expect(stageImg).toHaveAttribute('fetchpriority', 'high');
  await expect(stageImg).toHaveAttribute('srcset', /320w.*800w.*1600w/);
  const thumbs = page.getByRole('list', { name: 'Gallery' }).getByRole('link');
  await expect(thumbs).toHaveCount(3);
  for (const img of await page.getByRole('list', { name: 'Gallery' }).getByRole('img').all()) {
    await expect(img).toHaveAttribute('loading', 'lazy');
  }
  await page.waitForLoadState('load');
  // The stage's placeholder goes once its pixels are in (its edges would show beside them).
  await expect.poll(() => stageImg.evaluate((i) => (i as HTMLImageElement).complete && getComputedStyle(i).backgroundImage)).toBe('none');
  await page.screenshot({ path: info.outputPath('product-desktop.png'), fullPage: true });

  // Choosing a thumbnail puts its image on the stage and in the address.
  const second = page.getByRole('link', { name: 'Show image 2 of 3' });
  const id = await second.getAttribute('data-id');
  const srcset = (await second.getAttribute('data-srcset'))!;
  await second.click();
  await expect(second).toHaveAttribute('aria-current', 'true');
  await expect(page.getByRole('link', { name: 'Open image 2 of 3 full size' }).getByRole('img')).toHaveAttribute('srcset', srcset);
  await expect(page).toHaveURL(new RegExp(`\\?image=${id}$`));
  expect(requested, 'the largest rendition waits for the lightbox').not.toContain(new URL(widest(srcset), page.url()).pathname);

  // The lightbox: the largest rendition, focus inside, arrows and wrap-around.
  await page.getByRole('link', { name: 'Open image 2 of 3 full size' }).click();
  const viewer = page.getByRole('dialog', { name: 'Image viewer' });
  await expect(viewer).toBeVisible();
  await expect(viewer).toContainText('2 / 3');
  await expect(viewer.getByRole('button', { name: 'Close' })).toBeFocused();
  await expect(page).toHaveURL(new RegExp(`\\?image=${id}&view=full$`));
  await expect.poll(() => viewer.getByRole('img').evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(800);
  expect(requested).toContain(new URL(widest(srcset), page.url()).pathname);
  await page.screenshot({ path: info.outputPath('lightbox-desktop.png') });
  await page.keyboard.press('ArrowRight');
  await expect(viewer).toContainText('3 / 3');
  await page.keyboard.press('ArrowRight');
  await expect(viewer).toContainText('1 / 3');
  await page.keyboard.press('ArrowLeft');
  await expect(viewer).toContainText('3 / 3');
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    expect(await viewer.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  // A swipe to the left shows the next image.
  const box = (await viewer.getByRole('img').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 150, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(viewer).toContainText('1 / 3');
  await page.keyboard.press('ArrowLeft');
  await expect(viewer).toContainText('3 / 3');

  // Escape closes it; focus returns to the stage, which now shows the third image.
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(page.getByRole('link', { name: 'Open image 3 of 3 full size' })).toBeFocused();
  const shared = page.url() + '&view=full';
  expect(await cls(page), 'nothing moved').toBe(0);

  // A shared address opens the same image in the lightbox.
  const friend = await visitor(browser);
  await friend.goto(shared);
  await expect(friend.getByRole('dialog', { name: 'Image viewer' })).toContainText('3 / 3');
  await friend.context().close();

  // `/` lists the product as a card with its cover, name and image count.
  await page.goto('/');
  const card = page.getByRole('list', { name: 'Products' }).getByRole('link').filter({ hasText: shop.name });
  await expect(card).toContainText('3 images');
  await expect(card.locator('img')).toHaveAttribute('src', /^\/media\//);
  await page.screenshot({ path: info.outputPath('home-desktop.png') });
  await page.context().close();
});

test('the product page and lightbox fit a phone', async ({ browser }, info) => {
  const page = await visitor(browser, { width: 390, height: 844 }, true, true);
  await page.goto(shop.url);
  await page.waitForLoadState('load');
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(await overflow(), 'no sideways scrolling').toBeLessThanOrEqual(0);
  const stage = (await page.getByRole('link', { name: 'Open image 1 of 3 full size' }).boundingBox())!;
  expect(stage.x).toBeGreaterThanOrEqual(0);
  expect(stage.x + stage.width).toBeLessThanOrEqual(390);
  await expect(page.getByRole('link', { name: 'Show image 3 of 3' })).toBeInViewport();
  await page.screenshot({ path: info.outputPath('product-phone.png'), fullPage: true });
  await page.getByRole('link', { name: 'Open image 1 of 3 full size' }).click();
  const viewer = page.getByRole('dialog', { name: 'Image viewer' });
  for (const name of ['Previous image', 'Next image', 'Close']) {
    await expect(viewer.getByRole('button', { name })).toBeInViewport({ ratio: 1 });
  }
  await viewer.getByRole('button', { name: 'Next image' }).tap();
  await expect(viewer).toContainText('2 / 3');
  // A finger swiping left shows the next image, swiping right the one before.
  const picture = (await viewer.getByRole('img').boundingBox())!;
  await swipe(page, picture, -160);
  await expect(viewer).toContainText('3 / 3');
  await swipe(page, picture, 160);
  await expect(viewer).toContainText('2 / 3');
  await expect(viewer).toBeVisible();
  await page.screenshot({ path: info.outputPath('lightbox-phone.png') });
  expect(await cls(page)).toBe(0);
  await page.goto('/');
  expect(await overflow()).toBeLessThanOrEqual(0);
  await page.context().close();
});

test('without script, thumbnails are links to the page with that image', async ({ browser }) => {
  const page = await visitor(browser, undefined, false);
  await page.goto(shop.url);
  await page.getByRole('link', { name: 'Show image 2 of 3' }).click();
  await expect(page).toHaveURL(/\?image=[0-9a-f-]{36}$/);
  await expect(page.getByRole('link', { name: 'Open image 2 of 3 full size' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Show image 2 of 3' })).toHaveAttribute('aria-current', 'true');
  await page.context().close();
});
