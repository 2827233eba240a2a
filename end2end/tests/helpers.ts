import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PHOTOS = join(__dirname, '../../../shared/bench-photos');

/** A name no other test (or earlier run) uses. */
export function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The app's event handlers exist only once the page has hydrated. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

export const ADMIN = { email: 'admin@example.test', password: 'correct horse battery staple' };

export async function signIn(page: Page) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await hydrated(page);
}

export async function createProduct(page: Page, name: string) {
  await signIn(page);
  await page.getByLabel('Product name').fill(name);
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page).toHaveURL(/\/admin\/products\/[0-9a-f-]{36}$/);
}

/** Calls a server function from inside the page (same origin, JSON, the page's cookies). */
export async function callApi<T>(page: Page, name: string, body: unknown): Promise<T> {
  return page.evaluate(async ([name, body]) => {
    const res = await fetch(`/api/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }, [name, body] as const);
}

type Payload = { name: string; type: string; b64: string };

/** Drops files on the drop zone the way a browser does: one drop event with a DataTransfer. */
export async function dropFiles(page: Page, files: { name: string; type: string; bytes: Buffer }[]) {
  const dataTransfer = await transferOf(page, files);
  await page.getByRole('button', { name: 'Drop images here' }).dispatchEvent('drop', { dataTransfer });
}

/** A DataTransfer holding `files`, as a drag from the desktop carries them. */
export async function transferOf(page: Page, files: { name: string; type: string; bytes: Buffer }[]) {
  const payload: Payload[] = files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') }));
  return page.evaluateHandle((items: Payload[]) => {
    const dt = new DataTransfer();
    for (const f of items) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, payload);
}

export function photo(name: string, type = name.endsWith('.png') ? 'image/png' : 'image/jpeg') {
  return { name, type, bytes: readFileSync(join(PHOTOS, name)) };
}
