import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { screenshot, screenshotThemes, showTab, useBackends } from './helpers';

// The host measures the first group of the default sweep (4 points: bottleneck at groups=1) and holds
// the sweep there until RELEASE exists, so the reload always lands mid-run whatever the machine's
// speed, and the run can still finish (test/hold/held-engine.ts).
const RELEASE = join(tmpdir(), `fusebench-e2e-release-${process.pid}-${Date.now()}`);
test.use({ heldHost: true, hostEnv: { FUSEBENCH_TEST_HOLD_RELEASE_FILE: RELEASE } });
const held = 4;

test.describe.serial('runs that outlive the page', () => {
  test('a reload mid-run reattaches to it: progress and points so far, then it finishes with its verdicts', async ({ app }) => {
    await useBackends(app, 'wasm');
    await app.locator('[data-action="run"]').click();
    const run = app.locator('[data-view="run"]');
    await expect(run.locator('[data-run-done]')).toContainText(`${held} / `, { timeout: 120_000 });
    await expect(run.locator('[data-run-phase]')).toHaveText('Running');
    const total = Number((await run.locator('[data-run-done]').textContent())!.match(/\/ (\d+)/)![1]);
    expect(total).toBeGreaterThan(held);

    await app.reload();
    // Straight back to the run: not "No sweep has run yet", and Run is not offered again.
    await expect(run.locator('[data-run-phase]')).toHaveText('Running', { timeout: 30_000 });
    await expect(run.locator('[data-run-reattached]')).toBeVisible();
    await expect(run.locator('[data-run-done]')).toHaveText(`${held} / ${total} points`);
    await expect(run.locator('[data-row-count]')).toHaveText(new RegExp(`^${held} of ${held}`));
    const bar = run.getByRole('progressbar');
    const percent = Number(await bar.getAttribute('aria-valuenow'));
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);
    await showTab(app, 'Sweep editor');
    await expect(app.locator('[data-action="run"]')).toBeDisabled();
    await showTab(app, 'History');
    const row = app.locator('[data-runs] tbody tr').first();
    await expect(row).toHaveAttribute('data-status', 'running');
    await expect(row.locator('[data-action="cancel-run"]')).toBeVisible();
    await screenshotThemes(app, 'history-running');
    await showTab(app, 'Run');
    await screenshotThemes(app, 'run-reattached');

    // Every update of the live latency chart from here on, as the chart reports it (merge or replace).
    await app.evaluate(() => {
      const el = document.querySelector('[data-view="run"] [data-chart-id="latency"]')!;
      const modes: string[] = ((window as unknown as { __modes: string[] }).__modes = []);
      new MutationObserver(() => modes.push(el.getAttribute('data-render-mode') ?? '')).observe(el, { attributeFilter: ['data-series'] });
    });
    // Let the host go on: the reattached page follows it to the end, point by point.
    writeFileSync(RELEASE, 'go');
    await expect(run.locator('[data-run-phase]')).toHaveText('Finished', { timeout: 120_000 });
    await expect(run.locator('[data-run-done]')).toHaveText(`${total} / ${total} points`);
    await expect(run.locator('[data-row-count]')).toHaveText(new RegExp(`^${total} of ${total}`));
    await expect(run.getByTestId('verdict')).toHaveCount(2);
    // Points arriving live merged into the chart instead of redrawing it from scratch; once the run is
    // over, the run view points to Results rather than keep a "Live" chart of its last family.
    const modes = await app.evaluate(() => (window as unknown as { __modes: string[] }).__modes);
    // (a new family in the live view is a new chart shape, drawn afresh)
    expect(modes).toContain('merge');
    await expect(run.locator('[data-run-over]')).toBeVisible();
    await expect(run.locator('[data-chart-id]')).toHaveCount(0);
  });

  test('compare two saved runs point by point: ratio with its interval, changed or unchanged', async ({ app }) => {
    // A second run of the same default sweep (the hold is released now).
    await useBackends(app, 'wasm');
    await app.locator('[data-action="run"]').click();
    await expect(app.locator('[data-view="run"] [data-run-phase]')).toHaveText('Finished', { timeout: 120_000 });
    await showTab(app, 'History');
    const rows = app.locator('[data-runs] tbody tr');
    await expect(rows).toHaveCount(2);
    for (const row of await rows.all()) await expect(row).toHaveAttribute('data-status', 'complete');
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')!));
    // Each run's answer at a glance (finding 15): its cards by kind and, where one pays, its best speedup.
    for (const row of await rows.all()) await expect(row.locator('[data-run-answer]')).toHaveText(/(pays|costs|never|undecided) \d/);

    const compare = app.getByTestId('compare');
    // Runs are told apart by date, backends and points, not only by name and hash.
    await expect(compare.locator('select[name="compare-a"] option').nth(1)).toHaveText(/ — .*\d.* · wasm · \d+ points$/);
    await compare.locator('select[name="compare-a"]').selectOption(ids[1]!);
    await compare.locator('select[name="compare-b"]').selectOption(ids[0]!);
    await compare.locator('[data-action="compare"]').click();
    await expect(compare.locator('[data-compare-summary]')).toContainText('points compared');
    const verdicts = await compare.locator('[data-compare-verdict]').allTextContents();
    expect(verdicts.length).toBeGreaterThan(0);
    for (const v of verdicts) expect(v.trim()).toMatch(/^(changed \((higher|lower)\)|unchanged)/);
    const ratio = (await compare.locator('[data-compare-table] tbody tr td:nth-child(4)').first().textContent())!;
    expect(ratio.trim()).toMatch(/^×[\d.e-]+ \[[\d.e-]+–[\d.e-]+\]$/);
    // The two runs' speedup curves, overlaid: A's lines and B's (dashed), each with its points.
    const overlay = compare.getByTestId('speedup-chart');
    await expect(overlay).toBeVisible();
    const names = (JSON.parse((await overlay.getAttribute('data-series'))!) as { name: string; points: unknown[] }[]).map((x) => x.name);
    expect(names.some((n) => n.startsWith('A · parallel.'))).toBe(true);
    expect(names.some((n) => n.startsWith('B · parallel.'))).toBe(true);
    // A verdict stays on one line ("within-noise" used to wrap): its text has one line box.
    for (const cell of await compare.locator('[data-compare-verdict]').all()) {
      const lines = await cell.evaluate((e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      });
      expect(lines).toBe(1);
    }
    await screenshotThemes(app, 'history-compare');

    // Opening a run from the list shows its results.
    await rows.first().locator('[data-action="open-run"]').click();
    await expect(app.locator('[data-results-source]')).toContainText(`run ${ids[0]}`);
    await screenshot(app, 'history-opened-run');
  });
});
