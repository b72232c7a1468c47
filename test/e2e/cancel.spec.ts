import { test, expect } from './fixtures';
import { allCharts, screenshot } from './helpers';

// The host measures two groups (6 points) and then holds the sweep until it is cancelled, so the
// cancel always lands mid-run whatever the machine's speed (engine/sweep/node-sweep.ts).
const HELD_AFTER = 6;
test.use({ hostEnv: { FUSEBENCH_TEST_HOLD_AFTER_POINTS: String(HELD_AFTER) } });

test('cancels a run mid-way and keeps the finished points', async ({ app }) => {
  await app.locator('input[name="name"]').fill('long-bottleneck');
  await app.locator('[data-family="replicate"] > label input').uncheck();
  await app.locator('[data-family="bottleneck"] > label input').check();
  await app.locator('#value-groups').fill('1, 2, 3, 4, 6, 8');
  await app.locator('#value-channels').fill('32');
  await app.locator('#value-batch').fill('2');
  await app.locator('#measure-warmupMs').fill('20');
  await app.locator('#measure-maxMsPerPoint').fill('300');
  await expect(app.locator('[data-plan-points]')).toHaveText('18');
  await app.locator('[data-action="run"]').click();

  const run = app.locator('[data-view="run"]');
  const bar = run.getByRole('progressbar');
  // Progress moves, the ETA shows, and points reach the live chart while the run goes on.
  await expect(run.locator('[data-run-done]')).toHaveText(`${HELD_AFTER} / 18 points`, { timeout: 120_000 });
  await expect(run.locator('[data-run-phase]')).toHaveText('Running');
  await expect(run.locator('[data-run-eta]')).toContainText('ETA');
  const percent = Number(await bar.getAttribute('aria-valuenow'));
  expect(percent).toBeGreaterThan(0);
  expect(percent).toBeLessThan(100);
  await expect.poll(async () => (await allCharts(app, 'run')).latency!.flatMap((s) => s.points).length).toBe(HELD_AFTER);
  await screenshot(app, 'run-in-progress');

  await run.locator('[data-action="cancel"]').click();
  await expect(run.locator('[data-run-phase]')).toHaveText(/^Cancelled/, { timeout: 60_000 });
  await expect(run.locator('.field-error')).toHaveCount(0);
  await screenshot(app, 'run-cancelled');

  // The finished points stay: in the table, in the charts, and in results marked incomplete.
  await expect(run.locator('[data-row-count]')).toHaveText(new RegExp(`^${HELD_AFTER} of`));
  await run.locator('[data-action="show-results"]').click();
  const results = app.locator('[data-view="results"]');
  await expect(results.locator('[data-results-source]')).toContainText('incomplete');
  const timed = (await allCharts(app, 'results')).latency!.flatMap((s) => s.points);
  expect(timed).toHaveLength(HELD_AFTER);
  for (const p of timed) expect(p.y).toBeGreaterThan(0);
});
