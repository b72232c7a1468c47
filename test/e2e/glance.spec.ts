import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';
import { openWithInput, screenshot, showTab, SMOKE_PROFILE } from './helpers';
import { fixture } from '../unit/report/fixture';
import { overprinted, type TextBox } from '../../renderer/charts/text-boxes';

// What a new user tripped over in the field review (issue #20), each checked where the user meets it.
const RESULTS = { name: 'glance.sweep.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(fixture)) };

/** The colour the speedup chart's title is drawn in, as ECharts' model holds it after the last theme change. */
async function titleColor(page: import('@playwright/test').Page): Promise<string | undefined> {
  return page.evaluate(
    () =>
      (window as unknown as { __fusebenchCharts?: Record<string, { titleColor?: string }> }).__fusebenchCharts?.['results-speedup']
        ?.titleColor,
  );
}

test.describe('the answer at a glance', () => {
  test('charts on log axes, themes that follow the OS both ways, the points table and detail', async ({ app }) => {
    await app.setViewportSize({ width: 1440, height: 900 });
    await openWithInput(app, 'results', RESULTS);
    const results = app.locator('[data-view="results"]');
    // Finding 1: one wide band must not flatten every point near ×1: log y, log₂ x by default.
    const speedup = results.getByTestId('speedup-chart');
    await expect(speedup).toHaveAttribute('data-y-scale', 'log');
    await expect(speedup).toHaveAttribute('data-x-scale', 'log');
    await expect(results.getByTestId('latency-chart')).toHaveAttribute('data-y-scale', 'log');
    await results.locator('input[name="log-y"]').uncheck();
    await expect(speedup).toHaveAttribute('data-y-scale', 'linear');
    await results.locator('input[name="log-y"]').check();

    // Done-when: no text printed over other text, on screen or in the exported image (every chart's label boxes).
    for (const size of [
      { width: 1440, height: 900 },
      { width: 1024, height: 700 },
    ]) {
      await app.setViewportSize(size);
      await expect(results.locator('[data-chart-id]')).toHaveCount(7);
      const drawn = await app.evaluate(() =>
        Object.entries(
          (window as unknown as { __fusebenchCharts: Record<string, { textBoxes(): TextBox[]; exportTextBoxes(): TextBox[] }> })
            .__fusebenchCharts,
        )
          .filter(([key]) => key.startsWith('results-'))
          .map(([key, c]) => ({ key, screen: c.textBoxes(), image: c.exportTextBoxes() })),
      );
      expect(drawn).toHaveLength(7);
      for (const { key, screen, image } of drawn) {
        expect(screen.length, key).toBeGreaterThan(3);
        expect(overprinted(screen), `${key} at ${size.width} px`).toEqual([]);
        expect(overprinted(image), `${key} exported`).toEqual([]);
      }
    }
    await app.setViewportSize({ width: 1440, height: 900 });

    // Finding 2: dark, then light again: the charts' own colours follow (ECharts 6 has no 'light' theme).
    await app.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => titleColor(app)).toBeTruthy();
    const light = await titleColor(app);
    await app.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => titleColor(app)).not.toBe(light);
    await app.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => titleColor(app)).toBe(light);

    // Finding 10: the "Opened results" notice does not follow to another tab.
    await expect(app.locator('[data-notice="info"]')).toHaveCount(1);
    await showTab(app, 'History');
    await expect(app.locator('[data-notice="info"]')).toHaveCount(0);
    await showTab(app, 'Results');

    // Finding 16: groups is a column; finding 6: Enter on a row opens the detail in view, focused.
    const table = results.getByTestId('points-table');
    await expect(table.locator('thead th').nth(1)).toHaveText(/Groups/);
    const row = table.locator('tbody tr').last();
    await row.focus();
    await app.keyboard.press('Enter');
    const detail = app.getByTestId('point-detail');
    await expect(detail).toBeFocused();
    const box = (await detail.boundingBox())!;
    const header = (await app.locator('.app-header').boundingBox())!;
    expect(box.y, 'the detail starts in view, below the sticky header').toBeGreaterThanOrEqual(header.y + header.height - 1);
    expect(box.y).toBeLessThan(900);
    await screenshot(app, 'glance-point-detail');
  });

  test('keyboard: Run sweep one Tab and Enter from page load; the focus follows the run', async ({ app }) => {
    const run = app.locator('[data-action="run"]');
    await expect(run).toBeEnabled();
    await app.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let presses = 0;
    // Finding 8: 44 Tabs used to reach Run sweep; a skip link is the first stop.
    while (presses < 5 && !(await app.evaluate(() => document.activeElement?.hasAttribute('data-skip-run') ?? false))) {
      await app.keyboard.press('Tab');
      presses += 1;
    }
    expect(presses, 'Tab presses to the skip link').toBeLessThanOrEqual(4);
    await app.keyboard.press('Enter');
    await expect(run).toBeFocused();
    await app.keyboard.press('Enter');
    // The editor is gone: the focus is on the run's heading, never on <body>.
    await expect(app.locator('#run-title')).toBeFocused();
    await app.locator('[data-action="cancel"]').click();
    await expect(app.locator('[data-run-phase]')).toHaveText(/^(Cancelled|Finished)/, { timeout: 120_000 });
  });

  test('a profile with a misspelled key is refused as the CLI refuses it; nothing in the editor changes', async ({ app }) => {
    // Finding 4: `fixed.chanels` used to open silently, channels falling back to its default.
    const smoke = JSON.parse(readFileSync(SMOKE_PROFILE, 'utf8')) as { name: string; fixed: Record<string, unknown> };
    const typo = { ...smoke, name: 'typo', fixed: { ...smoke.fixed, chanels: 64 } };
    const before = await app.locator('input[name="name"]').inputValue();
    await openWithInput(app, 'profile', {
      name: 'typo.profile.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(typo)),
    });
    const error = app.locator('[data-notice="error"]');
    await expect(error).toContainText('typo.profile.json: ');
    await expect(error).toContainText("no family in this profile has a setting 'chanels'; did you mean 'channels'?");
    await expect(app.locator('input[name="name"]')).toHaveValue(before);
  });

  test('a long host reason wraps inside the plan panel at 1024 px', async ({ app }) => {
    await app.setViewportSize({ width: 1024, height: 700 });
    const unavailable = app.locator('[data-backend][data-available="false"]').first();
    await expect(app.locator('[data-backend]').first()).toBeVisible();
    test.skip((await unavailable.count()) === 0, 'every backend is available on this host: no reason to show');
    const name = (await unavailable.getAttribute('data-backend'))!;
    // Finding 11: a profile for a backend this host lacks; the Plan panel says why Run is blocked.
    const smoke = JSON.parse(readFileSync(SMOKE_PROFILE, 'utf8')) as Record<string, unknown>;
    const text = JSON.stringify({ ...smoke, name: 'elsewhere', backends: [name] });
    await openWithInput(app, 'profile', { name: 'elsewhere.profile.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    const blocked = app.locator('[data-run-blocked]');
    await expect(blocked).toContainText(`Backend ${name} is unavailable here`);
    // The field review's reason was as long as a driver path, without spaces: it ran out of the panel.
    await blocked.evaluate(
      (e) => (e.textContent = `${e.textContent} ${'/usr/lib/x86_64-linux-gnu/libvulkan_swiftshader_icd.json'.repeat(3)}`),
    );
    const plan = app.locator('[data-plan]');
    const [scrollWidth, clientWidth] = await plan.evaluate((e) => [e.scrollWidth, e.clientWidth]);
    expect(scrollWidth, 'the plan panel does not scroll sideways').toBeLessThanOrEqual(clientWidth);
    const [panel, reason] = [(await plan.boundingBox())!, (await blocked.boundingBox())!];
    expect(reason.x + reason.width).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
  });
});
