import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { allCharts, screenshot, selectFamilies, useBackends } from './helpers';

// The host measures the first group (the serial loop and the block-diagonal form: 2 points) and then
// holds the sweep until it is cancelled (or RELEASE exists), so the cancel always lands mid-run whatever
// the machine's speed (test/hold/held-engine.ts).
const RELEASE = join(tmpdir(), `fusebench-e2e-cancel-release-${process.pid}-${Date.now()}`);
test.use({ heldHost: true, hostEnv: { FUSEBENCH_TEST_HOLD_RELEASE_FILE: RELEASE } });
const planned = 12;
const held = 2;

test('cancels a run mid-way and keeps the finished points; resume continues it to the end', async ({ app }) => {
  await app.locator('input[name="name"]').fill('long-bottleneck');
  await selectFamilies(app, 'bottleneck');
  await useBackends(app, 'wasm');
  await app.locator('#value-groups').fill('1, 2, 3, 4, 6, 8');
  await app.locator('#value-channels').fill('32');
  await app.locator('#value-batch').fill('2');
  await app.locator('#measure-warmupMs').fill('20');
  await app.locator('#measure-maxMsPerPoint').fill('300');
  await app.locator('input[name="impl-bottleneck-parallel.im2colBatchedMatmul"]').uncheck();
  await expect(app.locator('[data-plan-points]')).toHaveText(String(planned));
  await app.locator('[data-action="run"]').click();

  const run = app.locator('[data-view="run"]');
  const bar = run.getByRole('progressbar');
  // Progress moves, the ETA shows, and points reach the live chart while the run goes on.
  await expect(run.locator('[data-run-done]')).toHaveText(`${held} / ${planned} points`, { timeout: 120_000 });
  await expect(run.locator('[data-run-phase]')).toHaveText('Running');
  await expect(run.locator('[data-run-eta]')).toContainText('ETA');
  const percent = Number(await bar.getAttribute('aria-valuenow'));
  expect(percent).toBeGreaterThan(0);
  expect(percent).toBeLessThan(100);
  await expect.poll(async () => (await allCharts(app, 'run')).latency!.flatMap((s) => s.points).length).toBe(held);
  // The card says what is still to come, never "no answer" or "within noise" for it (issue #20 finding 3).
  const card = run.getByTestId('verdict').first();
  await expect(card.locator('[data-verdict-headline]')).toHaveText(/^Measuring g = 2, 3, 4, 6, 8/);
  await expect(card).toHaveAttribute('data-kind', 'pending');
  await screenshot(app, 'run-in-progress');

  await run.locator('[data-action="cancel"]').click();
  await expect(run.locator('[data-run-phase]')).toHaveText(/^Cancelled/, { timeout: 60_000 });
  await expect(run.locator('.field-error')).toHaveCount(0);
  await expect(card.locator('[data-verdict-headline]')).toHaveText(/^Not measured g = 2, 3, 4, 6, 8/);
  // One count everywhere: the Results badge, progress and (below) History agree (the badge counted the
  // cancelled points of the group in flight).
  await expect(app.locator('[data-results-count]')).toHaveText(String(held));
  await expect(run.locator('[data-run-done]')).toContainText(`${held} / `);
  // The run is over: no "Live" charts of its last family, a pointer to Results instead.
  await expect(run.locator('[data-chart-id]')).toHaveCount(0);
  await expect(run.locator('[data-run-over]')).toBeVisible();
  await screenshot(app, 'run-cancelled');

  // The finished points stay: in the table, in the charts, and in results marked incomplete.
  await expect(run.locator('[data-row-count]')).toHaveText(new RegExp(`^${held} of`));
  await run.locator('[data-action="show-results"]').click();
  const results = app.locator('[data-view="results"]');
  await expect(results.locator('[data-results-source]')).toContainText('incomplete');
  const timed = (await allCharts(app, 'results')).latency!.flatMap((s) => s.points);
  expect(timed).toHaveLength(held);
  for (const p of timed) expect(p.y).toBeGreaterThan(0);

  // The runs list says cancelled; Resume continues the journal (the hold released) and finishes the rest.
  await app.getByRole('tab', { name: 'History' }).click();
  const row = app.locator('[data-runs] tbody tr').first();
  await expect(row).toHaveAttribute('data-status', 'cancelled');
  await expect(row.locator('[data-run-status]')).toHaveText('cancelled');
  await expect(row.locator('td.num')).toHaveText(String(held));
  writeFileSync(RELEASE, 'go');
  await row.locator('[data-action="resume-run"]').click();
  await expect(run.locator('[data-run-phase]')).toHaveText('Finished', { timeout: 120_000 });
  await expect(run.locator('[data-run-done]')).toHaveText(`${planned} / ${planned} points`);
  await expect(run.locator('[data-row-count]')).toHaveText(new RegExp(`^${planned} of ${planned}`));
  await app.getByRole('tab', { name: 'History' }).click();
  await expect(app.locator('[data-runs] tbody tr').first()).toHaveAttribute('data-status', 'complete');
});
