import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download, Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { allCharts, dropFile, openWithInput, runSmoke, screenshot, screenshotThemes, showTab } from './helpers';

async function download(page: Page, click: () => Promise<void>): Promise<{ download: Download; content: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return { download: d, content: readFileSync((await d.path()) as string) };
}

test.describe('files', () => {
  test('saves results and reopens them to the same charts; exports HTML, CSV, Markdown, JSON and a chart PNG', async ({ app, host }) => {
    const total = await runSmoke(app);
    await app.locator('[data-action="show-results"]').click();
    const results = app.locator('[data-view="results"]');
    await expect(results.locator('[data-chart-id]')).toHaveCount(7);
    const shown = await allCharts(app, 'results');

    // Saved by the host into its workspace, and downloaded in the browser.
    const savedDownload = await download(app, () => results.locator('[data-action="save-results"]').click());
    await expect(app.locator('[data-notice="info"]').filter({ hasText: 'Saved the results as' })).toBeVisible();
    expect(savedDownload.download.suggestedFilename()).toBe('smoke.sweep.json');
    expect((JSON.parse(savedDownload.content.toString('utf8')) as { points: unknown[] }).points).toHaveLength(total);
    const savedPath = join(host.workspace, 'runs', 'smoke.sweep.json');
    const saved = JSON.parse(readFileSync(savedPath, 'utf8')) as { points: unknown[]; complete: boolean };
    expect(saved.points).toHaveLength(total);
    expect(saved.complete).toBe(true);
    await expect(results.locator('[data-results-saved]')).toHaveText('saved as smoke.sweep.json');

    // HTML report: saved by the host and offered as a download; self-contained, with the sweep in it.
    const html = await download(app, () => results.locator('[data-export="html"]').click());
    const page = html.content.toString('utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain('smoke');
    expect(page).toContain('bottleneck');
    expect(page).toMatch(/Latency/);
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/i);
    expect(existsSync(join(host.workspace, 'runs', html.download.suggestedFilename()))).toBe(true);

    const csv = (await download(app, () => results.locator('[data-export="csv"]').click())).content.toString('utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toContain('median_ms');
    expect(lines).toHaveLength(total + 1);
    const md = (await download(app, () => results.locator('[data-export="md"]').click())).content.toString('utf8');
    expect(md).toMatch(/^#/m);
    expect(md).toContain('smoke');
    const json = JSON.parse(
      (await download(app, () => results.locator('[data-export="json"]').click())).content.toString('utf8'),
    ) as unknown;
    expect(JSON.stringify(json)).toContain('serial.concatLoop');

    // A chart as PNG, through the host (base64) and as a download, named <profile>-<family>-<chart>-<time>.png.
    const png = await download(app, () => results.locator('[data-action="png-latency"]').click());
    expect(png.download.suggestedFilename()).toMatch(/^smoke-replicate-latency-\d{8}-\d{6}-\d{3}\.png$/);
    expect(html.download.suggestedFilename()).toMatch(/^smoke-all-report-\d{8}-\d{6}-\d{3}\.html$/);
    expect(png.content.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.content.length).toBeGreaterThan(5_000);
    // Drawn at the export's own size (1000×620 at 2×), not the card's: the plot fills the image (finding 5).
    expect([png.content.readUInt32BE(16), png.content.readUInt32BE(20)]).toEqual([2000, 1240]);
    const pngOnHost = join(host.workspace, 'runs', png.download.suggestedFilename());
    expect(readFileSync(pngOnHost).subarray(1, 4).toString('latin1')).toBe('PNG');

    // A fresh page, then the saved file from the recent list: exactly the charts shown when it ran.
    await app.goto(host.url);
    await showTab(app, 'Results');
    await expect(app.locator('[data-view="results"] [data-chart-id]')).toHaveCount(0);
    await showTab(app, 'Files');
    const recent = app.locator(`[data-recent-path="${savedPath}"]`);
    await expect(recent).toBeVisible();
    await screenshotThemes(app, 'files');
    await recent.click();
    await expect(results.locator('[data-chart-id]')).toHaveCount(7);
    await expect(results.locator('[data-results-source]')).toContainText('file smoke.sweep.json');
    expect(await allCharts(app, 'results')).toEqual(shown);

    // And through the file input, as a user picking it from disk.
    await app.goto(host.url);
    await openWithInput(app, 'results', savedPath);
    await expect(results.locator('[data-chart-id]')).toHaveCount(7);
    expect(await allCharts(app, 'results')).toEqual(shown);
  });

  test('a corrupted or wrong file shows a clear message and the current work stays', async ({ app }) => {
    await runSmoke(app);
    await app.locator('[data-action="show-results"]').click();
    const results = app.locator('[data-view="results"]');
    await expect(results.locator('[data-chart-id]')).toHaveCount(7);
    const shown = await allCharts(app, 'results');
    await showTab(app, 'Sweep editor');
    await app.locator('input[name="name"]').fill('keep-me');
    await app.locator('#value-groups').fill('2, 8');
    await showTab(app, 'Results');

    // Dropped onto the window: a results file cut off in the middle.
    await dropFile(app, 'broken.sweep.json', '{"schemaVersion": 1, "tool": {"name": "fusebench", "vers');
    const error = app.locator('[data-notice="error"]').last();
    await expect(error).toContainText('broken.sweep.json');
    await expect(error).toContainText('is not valid JSON');
    await expect(error).toContainText('truncated');
    await expect(results.locator('[data-results-source]')).toBeVisible();
    expect(await allCharts(app, 'results')).toEqual(shown);
    await screenshot(app, 'error-bad-file');

    // Valid JSON, but not results: the message names the file and the first problem.
    await openWithInput(app, 'results', {
      name: 'notes.sweep.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": "world"}'),
    });
    await expect(app.locator('[data-notice="error"]').last()).toContainText(/notes\.sweep\.json: is not a Fusebench results file/);
    expect(await allCharts(app, 'results')).toEqual(shown);

    // A profile from a newer Fusebench is refused with the fix; the editor keeps the work in it.
    const newer = JSON.stringify({ schemaVersion: 99, name: 'future', families: ['gmp'] });
    await openWithInput(app, 'profile', { name: 'future.profile.json', mimeType: 'application/json', buffer: Buffer.from(newer) });
    await expect(app.locator('[data-notice="error"]').last()).toContainText('future.profile.json: was written by a newer Fusebench');
    await showTab(app, 'Sweep editor');
    await expect(app.locator('input[name="name"]')).toHaveValue('keep-me');
    await expect(app.locator('#value-groups')).toHaveValue('2, 8');
  });
});
