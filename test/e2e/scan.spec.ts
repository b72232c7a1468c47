import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { ROOT, screenshot, showTab } from './helpers';

/** The torch backend as the built CLI sees it: scan needs a Python with torch. */
function torchAvailable(): boolean {
  const env = JSON.parse(spawnSync(process.execPath, [join(ROOT, 'bin/fusebench.mjs'), 'env', '--json'], { encoding: 'utf8' }).stdout) as {
    backends: { name: string; available: boolean }[];
  };
  return env.backends.some((b) => b.name === 'torch' && b.available);
}

test('scans a model file of the workspace: the answer, a card per site, the module tree, the rewritten model in runs/', async ({
  app,
  host,
  consoleGuard,
}) => {
  test.skip(!torchAvailable(), 'no Python with torch here (scripts/setup.sh installs python3-torch as root)');
  mkdirSync(join(host.workspace, 'models'), { recursive: true });
  copyFileSync(join(ROOT, 'test/models/patterns.py'), join(host.workspace, 'models', 'patterns.py'));
  await showTab(app, 'Scan a model');
  const view = app.locator('[data-view="scan"]');
  await expect(view.locator('[data-scan-warning]')).toContainText('its code runs on this machine');
  await expect(view.locator('select[name="file"]')).toHaveValue('models/patterns.py');
  await view.locator('input[name="className"]').fill('MixedKernels');

  // The shape and the trust box are asked for before anything runs.
  await view.locator('[data-action="scan"]').click();
  await expect(view.locator('[data-scan-error]')).toContainText('input shape');
  await view.locator('input[name="inputShape"]').fill('2,3,6,5');
  await view.locator('[data-action="scan"]').click();
  await expect(view.locator('[data-scan-error]')).toContainText('trust');
  await view.locator('input[name="trusted"]').check();
  await view.locator('[data-action="scan"]').click();
  await expect(view.locator('[data-scan-answer]')).toContainText('fusing 0 of 1 sites', { timeout: 120_000 });
  await expect(view.locator('[data-scan-card="paths"]')).toContainText('kernel sizes differ: 1, 3, 5');

  // A model with a fusable site: fused, proved, its files in the workspace.
  await view.locator('input[name="className"]').fill('Experts');
  await view.locator('[data-action="scan"]').click();
  await expect(view.locator('[data-scan-answer]')).toContainText('fusing 1 of 1 site', { timeout: 120_000 });
  await expect(view.locator('[data-scan-answer]')).toContainText('same function');
  await expect(view.locator('[data-scan-card="experts"]')).toContainText('generic (vmap)');
  await expect(view.locator('[data-scan-tree] [data-module="experts"]')).toContainText('site: generic (vmap) ×4');
  const folder = (await view.locator('[data-scan-folder]').textContent())!;
  for (const f of ['fused_model.py', 'fused.safetensors', 'scan.json', 'report.html'])
    expect(existsSync(join(host.workspace, folder, f)), f).toBe(true);
  expect(JSON.parse(readFileSync(join(host.workspace, folder, 'scan.json'), 'utf8'))).toMatchObject({ whole: { sitesFused: ['experts'] } });
  await screenshot(app, 'scan');

  // A file outside the workspace is refused by the host (HTTP 400: the call breaks the contract), naming the rule.
  consoleGuard.allow(/status of 400/);
  await view.locator('input[name="weights"]').fill('../outside.pt');
  await view.locator('[data-action="scan"]').click();
  await expect(view.locator('[data-scan-error]')).toContainText('path inside the workspace');
});
