import { defineConfig } from '@playwright/test';

// End-to-end tests of the renderer against the web host (`fusebench serve`, started per worker by
// test/e2e/fixtures.ts) in Debian's Chromium. One worker: the machines these run on have 2 cores, and
// the sweeps measure time.
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  use: {
    viewport: { width: 1400, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    acceptDownloads: true,
    actionTimeout: 30_000,
  },
  projects: [
    {
      name: 'web',
      testIgnore: /electron\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.FUSEBENCH_CHROMIUM ?? '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
        },
      },
    },
    // test/e2e/electron.spec.ts launches the Electron shell itself (it needs no browser here).
    { name: 'electron', testMatch: /electron\.spec\.ts$/ },
  ],
});
