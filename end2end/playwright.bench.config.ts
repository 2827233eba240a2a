// Benchmarks in the browser (not tests): the same server and Chromium as the
// suite, one spec at a time, printed figures instead of assertions on time.
import base from './playwright.config';
import { defineConfig } from '@playwright/test';

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: /.*\.bench\.ts$/,
  timeout: 30 * 60_000,
  // No trace: recording one snapshots the whole DOM in the page's own main thread
  // at every action and poll. With 1,000 upload rows that was seconds of script
  // per poll (a CPU profile of the 1,000-file drop was 90 % Playwright's
  // `captureSnapshot`): it competed with the uploads and showed up as the page's
  // long tasks.
  use: { ...base.use, trace: 'off' },
});
