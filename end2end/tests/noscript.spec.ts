// Without the page's script, sign-in never puts a secret in a URL and says why it cannot go on.
import { expect, test } from '@playwright/test';
import { ADMIN } from './helpers';

test.use({ javaScriptEnabled: false });

test('signing in without JavaScript posts, explains, and keeps the password out of the URL', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('alert')).toContainText('Signing in needs JavaScript');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/login') && r.isNavigationRequest()),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  expect(request.method()).toBe('POST');
  await expect(page.getByRole('heading', { name: 'Sign-in needs JavaScript' })).toBeVisible();
  expect(page.url()).not.toContain('password');
  expect(page.url()).not.toContain(encodeURIComponent(ADMIN.email));
  // Nothing signed in: admin pages still send the visitor to the sign-in page.
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login$/);
});
