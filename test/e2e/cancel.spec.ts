import { test, expect } from './fixtures';
import { allCharts, screenshot } from './helpers';

test('cancels a run mid-way and keeps the finished points', async ({ app }) => {
  // A sweep designed in the editor to take a while: every point samples for its whole time budget.
  await app.locator('input[name="name"]').fill('long-bottleneck');
  await app.locator('[data-family="replicate"] > label input').uncheck();
  await app.locator('[data-family="bottleneck"] > label input').check();
  await app.locator('#value-groups').fill('1, 2, 3, 4, 6, 8');
  await app.locator('#value-channels').fill('32');
  await app.locator('#value-batch').fill('2');
  await app.locator('#measure-warmupMs').fill('50');
  await app.locator('#measure-minSamples').fill('50');
  await app.locator('#measure-maxSamples').fill('100000');
  await app.locator('#measure-targetRelIqr').fill('0');
  await app.locator('#measure-maxMsPerPoint').fill('1200');
  await expect(app.locator('[data-plan-points]')).toHaveText('18');
  await app.locator('[data-action="run"]').click();

  const run = app.locator('[data-view="run"]');
  const bar = run.getByRole('progressbar');
  // Progress moves, the ETA shows, and points reach the live chart while the run goes on.
  await expect(run.locator('[data-run-done]')).toHaveText(/^([3-9]|1[0-2]) \/ 18 points$/, { timeout: 120_000 });
  await expect(run.locator('[data-run-phase]')).toHaveText('Running');
  await expect(run.locator('[data-run-eta]')).toContainText('ETA');
  const percent = Number(await bar.getAttribute('aria-valuenow'));
  expect(percent).toBeGreaterThan(0);
  expect(percent).toBeLessThan(100);
  const before = (await allCharts(app, 'run')).latency!.flatMap((s) => s.points);
  expect(before.length).toBeGreaterThanOrEqual(3);
  await screenshot(app, 'run-in-progress');

  await run.locator('[data-action="cancel"]').click();
  await expect(run.locator('[data-run-phase]')).toHaveText(/^Cancelled/, { timeout: 60_000 });
  await expect(run.locator('.field-error')).toHaveCount(0);
  await screenshot(app, 'run-cancelled');

  // The finished points stay: in the table, in the charts, and in results marked incomplete.
  const count = await run.locator('[data-row-count]').textContent();
  const kept = Number(/^(\d+) of/.exec(count ?? '')?.[1]);
  expect(kept).toBeGreaterThanOrEqual(before.length);
  expect(kept).toBeLessThan(18);
  await run.locator('[data-action="show-results"]').click();
  const results = app.locator('[data-view="results"]');
  await expect(results.locator('[data-results-source]')).toContainText('incomplete');
  const charts = await allCharts(app, 'results');
  const timed = charts.latency!.flatMap((s) => s.points);
  expect(timed.length).toBeGreaterThanOrEqual(before.length);
  expect(timed.length).toBeLessThan(18);
  for (const p of timed) expect(p.y).toBeGreaterThan(0);
});
