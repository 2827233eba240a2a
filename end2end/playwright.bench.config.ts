// Benchmarks in the browser (not tests): the same server and Chromium as the
// suite, one spec at a time, printed figures instead of assertions on time.
import base from './playwright.config';
import { defineConfig } from '@playwright/test';

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: /.*\.bench\.ts$/,
  timeout: 30 * 60_000,
});
