// Runs the real Vitrine binary on the embedded default (fresh data folder)
// and drives Debian's Chromium; Playwright never downloads a browser here.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.E2E_PORT ?? 3917);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-e2e-'));

export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  // One at a time: the app's single image worker is shared, and timings stay predictable.
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `${process.env.E2E_SERVER_BIN ?? '../target/release/vitrine'} serve`,
    url: `${baseURL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      VITRINE_CONFIG: '../Leptos.toml',
      VITRINE_BIND: `127.0.0.1:${port}`,
      VITRINE_DATA_DIR: dataDir,
      VITRINE_SITE_ROOT: process.env.E2E_SITE_ROOT ?? '../target/site',
      RUST_LOG: 'warn',
      // Benchmarks may turn the embedded worker off to separate upload from processing costs.
      VITRINE_RUN_WORKER: process.env.VITRINE_RUN_WORKER ?? 'true',
      // Tickets last 20 s (15 minutes by default), so renewal.spec.ts can outwait one.
      VITRINE_PRESIGN_TTL_SECS: '20',
      VITRINE_ADMIN_EMAIL: 'admin@example.test',
      VITRINE_ADMIN_PASSWORD: 'correct horse battery staple',
    },
  },
});
