import { test, expect } from './fixtures';
import {
  allCharts,
  chartSeries,
  hoverTooltip,
  implementationsOf,
  openWithInput,
  plannedPoints,
  screenshot,
  SMOKE_PROFILE,
} from './helpers';

test('runs profiles/smoke.profile.json on wasm: progress, charts with real points, summary, table and point detail', async ({ app }) => {
  await openWithInput(app, 'profile', SMOKE_PROFILE);
  await expect(app.locator('input[name="name"]')).toHaveValue('smoke');
  const total = await plannedPoints(app);
  await app.locator('[data-action="run"]').click();

  // The run view: live charts filled with measured points while it runs, a progress bar that reaches the end.
  const run = app.locator('[data-view="run"]');
  await expect(run).toBeVisible();
  await expect
    .poll(async () => {
      const live = await allCharts(app, 'run');
      return Object.keys(live).length === 2 && live.latency!.some((s) => s.points.length > 0) ? Object.keys(live).sort() : [];
    })
    .toEqual(['latency', 'speedup']);
  const live = await allCharts(app, 'run');
  for (const p of live.latency!.flatMap((s) => s.points)) expect(p.y).toBeGreaterThan(0);
  await expect(run.locator('[data-run-phase]')).toHaveText('Finished', { timeout: 150_000 });
  await expect(run.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await expect(run.locator('[data-run-done]')).toHaveText(`${total} / ${total} points`);
  // Over: no "Live" chart of the last family (finding 7 of issue #20), the way to Results instead.
  await expect(run.locator('[data-chart-id]')).toHaveCount(0);
  await expect(run.locator('[data-run-over]')).toBeVisible();
  await expect(run.locator('[data-row-count]')).toHaveText(`${total} of ${total} points`);
  await screenshot(app, 'run');

  // The results view: seven charts of the first family (replicate), inference, wasm, against groups.
  await run.locator('[data-action="show-results"]').click();
  const results = app.locator('[data-view="results"]');
  await expect(results.locator('[data-chart-id]')).toHaveCount(7);
  const charts = await allCharts(app, 'results');
  expect(Object.keys(charts).sort()).toEqual(['flops', 'flopsResidual', 'latency', 'memory', 'memoryResidual', 'params', 'speedup']);
  expect(charts.latency!.map((s) => s.name)).toEqual(['serial.concatLoop', 'parallel.tile', 'parallel.stackReshape']);
  for (const s of charts.latency!) {
    expect(s.points.map((p) => p.x)).toEqual([2, 4]);
    for (const p of s.points) expect(p.y).toBeGreaterThan(0);
  }
  // Speedups only for equivalent points: the smoke sweep's all pass, so none is flagged.
  const speedups = charts.speedup!.filter((s) => s.name.startsWith('parallel.'));
  expect(speedups.map((s) => s.name)).toEqual(['parallel.tile', 'parallel.stackReshape']);
  for (const s of speedups) for (const p of s.points) expect(p.flagged).toBeUndefined();
  expect(charts.speedup!.some((s) => s.name === 'serial = 1')).toBe(true);
  expect(charts.memory!.flatMap((s) => s.points).length).toBeGreaterThan(0);
  expect(charts.params!.some((s) => s.name.startsWith('formula'))).toBe(true);
  await screenshot(app, 'results');

  // A point's tooltip carries its full statistics.
  const tooltip = await hoverTooltip(results.locator('[data-chart-id="latency"]'), /relIQR/);
  expect(tooltip).toMatch(/groups=4/);
  expect(tooltip).toMatch(/median [\d.e-]+ (µs|ms) · IQR [\d.e-]+ (µs|ms) \(q1 .* – q3 .*\) · relIQR/);
  expect(tooltip).toMatch(/min [\d.e-]+ (µs|ms) · mean [\d.e-]+ (µs|ms) · n \d+/);
  expect(tooltip).toMatch(/first call/);

  // Pickers: another family, the series picker, log scales keep the data.
  await results.locator('select[name="view-family"]').selectOption('bottleneck');
  await expect(results.locator('[data-chart-id="latency"]')).toHaveAttribute('data-series', /serial\.branchLoop/);
  await results.locator('select[name="view-mode"]').selectOption('training');
  const training = await chartSeries(results.locator('[data-chart-id="latency"]'));
  const bottleneck = implementationsOf('bottleneck');
  expect(training.map((s) => s.name)).toEqual(bottleneck);
  await results.getByRole('checkbox', { name: 'parallel.blockDiagonalConv' }).uncheck();
  await expect(results.locator('[data-chart-id="latency"]')).not.toHaveAttribute('data-series', /blockDiagonalConv/);
  await expect(results.locator('[data-chart-id="memory"]')).not.toHaveAttribute('data-series', /blockDiagonalConv/);
  await results.locator('input[name="log-y"]').check();
  // Every series left (all but the one unchecked) keeps its two points (groups 2 and 4).
  expect((await chartSeries(results.locator('[data-chart-id="latency"]'))).map((s) => s.points.length)).toEqual(
    bottleneck.slice(1).map(() => 2),
  );

  // The per-family summary: one row per family × mode on wasm, each naming the best implementation.
  await expect(results.locator('[data-summary-row]')).toHaveCount(16);
  await expect(results.locator('[data-summary-row="bottleneck|training|wasm"] [data-best]')).toContainText(/×|none/);

  // The table: filter, sort, and the point detail (raw samples, kernels, equivalence).
  const table = results.getByRole('region', { name: 'All points' });
  await table.locator('input[name="points-filter"]').fill('bottleneck training');
  await expect(table.locator('[data-row-count]')).toHaveText(`${bottleneck.length * 2} of ${total} points`);
  await table.locator('[data-sort="median"]').click();
  await expect(table.locator('th[aria-sort="ascending"]')).toContainText('Median');
  const medians = await table.locator('tbody tr td:nth-child(4)').allTextContents();
  // SI units: µs below a millisecond.
  const values = medians.map((t) => parseFloat(t) * (t.includes('µs') ? 1e-3 : t.includes(' s') ? 1e3 : 1));
  expect(values).toEqual([...values].sort((a, b) => a - b));
  const row = table.locator('tbody tr').filter({ hasText: 'parallel.im2colBatchedMatmul' }).first();
  await row.focus();
  await app.keyboard.press('Enter');
  const detail = results.locator('[data-point-detail]');
  await expect(detail).toContainText('parallel.im2colBatchedMatmul');
  await expect(detail.locator('[data-detail-samples] li').first()).toContainText('ms');
  await expect(detail.locator('[data-detail-kernels] tbody tr').first()).toBeVisible();
  await expect(detail.locator('[data-detail-equivalence]')).toContainText('pass');
  await screenshot(app, 'point-detail');
  await app.keyboard.press('Escape');
  await expect(detail).toBeHidden();
});
