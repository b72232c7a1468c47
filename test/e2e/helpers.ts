import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SMOKE_PROFILE = join(ROOT, 'profiles/smoke.profile.json');
const SCREENSHOTS = join(ROOT, 'test-results/screenshots');

import type { ChartSeries } from '../../engine/report/charts.js';

export type { ChartSeries };

let families: { name: string; implementations: { name: string; backends: string[] }[] }[] | undefined;

/**
 * A family's implementations that run on `backend`, serial reference first, as the built CLI lists them
 * (the registry, not a copy of it).
 */
export function implementationsOf(family: string, backend = 'wasm'): string[] {
  families ??= JSON.parse(
    spawnSync(process.execPath, [join(ROOT, 'bin/fusebench.mjs'), 'families', '--json'], { encoding: 'utf8' }).stdout,
  ) as typeof families;
  const found = families!.find((f) => f.name === family);
  if (!found) throw new Error(`no family ${family} in fusebench families`);
  return found.implementations.filter((d) => d.backends.includes(backend)).map((d) => d.name);
}

/** The series a chart element plots, from its `data-series` attribute (the ChartSpec series it was given). */
export async function chartSeries(chart: Locator): Promise<ChartSeries[]> {
  const json = await chart.getAttribute('data-series');
  expect(json, 'the chart element carries its data').not.toBeNull();
  return JSON.parse(json as string) as ChartSeries[];
}

/** Every chart in a view, by chart id. */
export async function allCharts(page: Page, view: 'run' | 'results'): Promise<Record<string, ChartSeries[]>> {
  const charts = page.locator(`[data-view="${view}"] [data-chart-id]`);
  const out: Record<string, ChartSeries[]> = {};
  for (const chart of await charts.all()) out[(await chart.getAttribute('data-chart-id')) as string] = await chartSeries(chart);
  return out;
}

/** Leaves exactly these families selected in the editor (the first draft selects the headline two). */
export async function selectFamilies(page: Page, ...names: string[]): Promise<void> {
  for (const box of await page.locator('[data-family] > label input[type="checkbox"]').all()) {
    const name = (await box.getAttribute('name'))!.replace(/^family-/, '');
    if (names.includes(name)) await box.check();
    else await box.uncheck();
  }
}

/**
 * Leaves exactly these backends checked in the editor: the first draft adds torch beside wasm where the
 * host has PyTorch, and a test that counts points on wasm says so.
 */
export async function useBackends(page: Page, ...names: string[]): Promise<void> {
  await expect(page.locator('[data-backend]').first()).toBeVisible();
  for (const box of await page.locator('[data-backend] input[type="checkbox"]').all()) {
    const name = (await box.getAttribute('name'))!.replace(/^backend-/, '');
    if (names.includes(name)) await box.check();
    else if (await box.isChecked()) await box.uncheck();
  }
}

/** Whether the host has PyTorch (its environment lists torch as available). */
export async function hostHasTorch(page: Page): Promise<boolean> {
  await expect(page.locator('[data-backend]').first()).toBeVisible();
  return (await page.locator('[data-backend="torch"]').getAttribute('data-available')) === 'true';
}

/** Screenshots of the page in the light and the dark scheme: `<name>-light.png`, `<name>-dark.png`. */
export async function screenshotThemes(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expect(page.locator('.app')).toHaveAttribute('data-theme', scheme);
    await screenshot(page, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Whether an element lies wholly inside the viewport (no scrolling needed to see it). */
export async function inViewport(locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = locator.page().viewportSize();
  return !!box && !!size && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

/** The results files a host's runs wrote (runs/<id>/<name>.sweep.json), newest last. */
export function runResults(workspace: string): string[] {
  const runs = join(workspace, 'runs');
  return readdirSync(runs, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(runs, d.name))
        .filter((f) => f.endsWith('.sweep.json'))
        .map((f) => join(runs, d.name, f)),
    )
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // From the top, so the sticky header sits where it belongs in the full-page image.
  await page.evaluate(() => window.scrollTo(0, 0));
  // Let chart transitions settle, so the image shows the data rather than a frame of an animation.
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function showTab(
  page: Page,
  name: 'Sweep editor' | 'Run' | 'Results' | 'History' | 'Scan a model' | 'Files' | 'Environment',
): Promise<void> {
  await page.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
}

/** Opens a file through the page's file input (the web host has no native dialog). */
export async function openWithInput(
  page: Page,
  kind: 'profile' | 'results',
  file: string | { name: string; mimeType: string; buffer: Buffer },
): Promise<void> {
  await page.locator(`input[data-file-input="${kind}"]`).first().setInputFiles(file);
}

/** Drops a file onto the window, as a user dragging it from the file manager. */
export async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const transfer = await page.evaluateHandle(
    ([fileName, content]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], fileName, { type: 'application/json' }));
      return dt;
    },
    [name, text] as const,
  );
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('main', type, { dataTransfer: transfer });
}

/**
 * The plan's point count as the host states it (unit tests check that count against the engine's
 * expansion; here it is what every later count must agree with).
 */
export async function plannedPoints(page: Page): Promise<number> {
  // Read the count only once the host has answered for the profile now in the editor.
  await expect(page.locator('[data-plan]')).toHaveAttribute('aria-busy', 'false');
  await expect(page.locator('[data-plan-points]')).toHaveText(/^[1-9]\d*$/);
  return Number(await page.locator('[data-plan-points]').textContent());
}

/** Opens the smoke profile, runs it and waits for the end; leaves the run view showing. Returns its point count. */
export async function runSmoke(page: Page): Promise<number> {
  await openWithInput(page, 'profile', SMOKE_PROFILE);
  await expect(page.locator('input[name="name"]')).toHaveValue('smoke');
  const total = await plannedPoints(page);
  await page.locator('[data-action="run"]').click();
  await expect(page.locator('[data-run-phase]')).toHaveText('Finished', { timeout: 150_000 });
  return total;
}

/**
 * Moves the mouse down the chart's right edge (the largest x, where the grid ends) until a tooltip shows
 * `pattern`; returns the tooltip's text.
 */
export async function hoverTooltip(chart: Locator, pattern: RegExp): Promise<string> {
  // The verdict cards come first: the charts may be below the fold.
  await chart.scrollIntoViewIfNeeded();
  const box = await chart.boundingBox();
  expect(box, 'the chart is on screen').not.toBeNull();
  const page = chart.page();
  const tip = chart.getByText(pattern).first();
  // The builders' grid (engine/report/chart-option.ts) leaves 28 px on the right and about 90 px above the plot.
  for (let y = box!.y + 60; y < box!.y + box!.height - 60; y += 3) {
    await page.mouse.move(box!.x + box!.width - 28, y);
    if (await tip.isVisible()) return (await tip.locator('xpath=..').innerText()) || (await tip.innerText());
  }
  throw new Error(`no tooltip matching ${pattern} on the chart`);
}
