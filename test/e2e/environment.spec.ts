import { test, expect } from './fixtures';
import { runSmoke, screenshot, screenshotThemes } from './helpers';

test('the environment panel, reached by keyboard, shows backends, device and versions', async ({ app }) => {
  // WAI-ARIA tabs: focus the current tab, End goes to the last one (Environment), arrows move.
  await app.getByRole('tab', { selected: true }).focus();
  await app.keyboard.press('End');
  await expect(app.getByRole('tab', { name: 'Environment' })).toHaveAttribute('aria-selected', 'true');
  await expect(app.getByRole('tab', { name: 'Environment' })).toBeFocused();
  const panel = app.locator('[data-view="environment"]');
  await expect(panel.locator('[data-environment]')).toContainText('TensorFlow.js');
  await expect(panel.locator('[data-environment]')).toContainText(/Node\s*20\./);
  await expect(panel.locator('[data-env-backend="wasm"]')).toContainText('yes');
  await expect(panel.locator('[data-env-backend="wasm"]')).toContainText('WebAssembly');
  for (const row of await panel
    .locator('[data-env-backend]')
    .filter({ hasText: /\bno\b/ })
    .all()) {
    await expect(row.locator('td').nth(1)).not.toBeEmpty();
  }
  await screenshotThemes(app, 'environment');
  await app.keyboard.press('ArrowLeft');
  await expect(app.getByRole('tab', { name: 'Files' })).toHaveAttribute('aria-selected', 'true');
});

test('follows the OS colour scheme: light and dark', async ({ app }) => {
  const rootBackground = () => app.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await app.emulateMedia({ colorScheme: 'light' });
  expect(await rootBackground()).toBe('rgb(246, 247, 249)');
  await runSmoke(app);
  await app.locator('[data-action="show-results"]').click();
  await expect(app.locator('[data-view="results"] [data-chart-id]')).toHaveCount(7);
  await screenshot(app, 'results-light');

  await app.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(rootBackground).toBe('rgb(21, 24, 29)');
  await expect(app.locator('.app')).toHaveAttribute('data-theme', 'dark');
  await expect(app.locator('[data-chart-id="latency"]')).toHaveAttribute('data-series', /serial\.concatLoop/);
  await screenshot(app, 'results-dark');
});
