import { test, expect } from './fixtures';
import { openWithInput, SMOKE_PROFILE } from './helpers';
test('debug', async ({ app }) => {
  await openWithInput(app, 'profile', SMOKE_PROFILE);
  await expect(app.locator('[data-plan-points]')).toHaveText('70');
  await app.locator('[data-action="run"]').click();
  await expect(app.locator('[data-run-phase]')).toHaveText('Finished', { timeout: 150_000 });
  await app.locator('[data-action="show-results"]').click();
  const results = app.locator('[data-view="results"]');
  await results.locator('select[name="view-family"]').selectOption('bottleneck');
  await results.locator('select[name="view-mode"]').selectOption('training');
  await app.locator('[data-chart-card="latency"]').screenshot({ path: '/tmp/fb/lat1.png' });
  await results.getByRole('checkbox', { name: 'parallel.blockDiagonalConv' }).uncheck();
  await app.waitForTimeout(1500);
  await app.locator('[data-chart-card="latency"]').screenshot({ path: '/tmp/fb/lat2.png' });
  await results.locator('input[name="log-y"]').check();
  await app.waitForTimeout(1500);
  await app.locator('[data-chart-card="latency"]').screenshot({ path: '/tmp/fb/lat3.png' });
});
