import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { screenshot, selectFamilies, useBackends } from './helpers';
import { fixture } from '../unit/report/fixture.js';

test.describe('sweep editor', () => {
  test('designs a sweep: families, implementations, backends, modes, axes, measurement and the plan', async ({ app, host }) => {
    // Backends come from the host; any it cannot run are shown with the reason and cannot be chosen.
    await expect(app.locator('[data-backend="wasm"] input')).toBeEnabled();
    for (const row of await app.locator('[data-backend][data-available="false"]').all()) {
      await expect(row).toContainText('Unavailable:');
      await expect(row.locator('input')).toBeDisabled();
    }

    await selectFamilies(app, 'bottleneck');
    await useBackends(app, 'wasm');
    await app.getByRole('checkbox', { name: 'parallel.blockDiagonalConv' }).uncheck();
    await app.locator('input[name="mode-training"]').check();
    await app.locator('input[name="name"]').fill('bottleneck-groups');
    await app.locator('#value-groups').fill('1, 2, 4');
    await app.locator('#value-channels').fill('8');
    await app.locator('#value-batch').fill('1, 2');
    await app.locator('#value-height').fill('4');
    await app.locator('#value-width').fill('4');
    await app.locator('#value-squeeze').fill('2');
    await app.locator('#measure-maxSamples').fill('12');

    // The reference loop, the im2col form and its serial twin (same primitives) × 3 groups × 2 batches × 2 modes.
    await expect(app.locator('[data-axis="groups"]')).toContainText('swept: 3 values');
    await expect(app.locator('[data-axis="channels"]')).toContainText('fixed');
    await expect(app.locator('[data-plan-points]')).toHaveText('36');
    await expect(app.locator('[data-plan-invalid]')).toHaveText('0');
    await expect(app.locator('[data-plan-estimate]')).toContainText(/about \d/);
    await expect(app.locator('[data-action="run"]')).toBeEnabled();
    await screenshot(app, 'editor');

    // The profile the editor built is what gets saved.
    await app.locator('[data-action="save-profile"]').click();
    await expect(app.locator('[data-notice="info"]').filter({ hasText: 'Saved the profile' })).toBeVisible();
    const saved = JSON.parse(readFileSync(join(host.workspace, 'runs', 'bottleneck-groups.profile.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(saved).toMatchObject({
      schemaVersion: 2,
      name: 'bottleneck-groups',
      families: [{ family: 'bottleneck', implementations: ['parallel.im2colBatchedMatmul'] }],
      backends: ['wasm'],
      modes: ['inference', 'training'],
      axes: { groups: [1, 2, 4], batch: [1, 2] },
      fixed: { channels: 8, height: 4, width: 4, squeeze: 2 },
      measure: { maxSamples: 12, minSamples: 5 },
    });
    // The Files view says it is saved, until the form changes.
    await app.getByRole('tab', { name: 'Files' }).click();
    await expect(app.locator('[data-profile-state]')).toHaveText('bottleneck-groups.profile.json (saved)');
    await app.getByRole('tab', { name: 'Sweep editor' }).click();
    await app.locator('#value-groups').fill('1, 2');
    await app.getByRole('tab', { name: 'Files' }).click();
    await expect(app.locator('[data-profile-state]')).toContainText('changed since: not saved');
  });

  test('explains an invalid axis value inline, next to the value', async ({ app }) => {
    await selectFamilies(app, 'bottleneck');
    await app.locator('#value-groups').fill('2');

    // A rule of the family, checked by the host: channels must be divisible by squeeze.
    await app.locator('#value-squeeze').fill('2');
    await app.locator('#value-channels').fill('8, 9');
    // A value that makes some points invalid is a warning, named by family and setting once: those points
    // are recorded with the reason and the rest can run.
    const channels = app.locator('[data-axis="channels"]');
    await expect(channels.locator('.field-warning')).toContainText('bottleneck · channels: must be divisible by squeeze (2), got 9');
    await expect(channels.locator('.field-error')).toHaveCount(0);
    // One of the two channel values is invalid: half the plan's points.
    await expect(app.locator('[data-plan-points]')).toHaveText(/^[1-9]\d*$/);
    await expect(app.locator('[data-plan-invalid]')).toHaveText(String(Number(await app.locator('[data-plan-points]').textContent()) / 2));
    await screenshot(app, 'editor-invalid-axis');

    // Text that is not a list of values is explained before anything is sent.
    await app.locator('#value-groups').fill('two, four');
    const groups = app.locator('[data-axis="groups"]');
    await expect(groups.locator('.field-error')).toContainText('is not a list of values');
    await expect(app.locator('#value-groups')).toHaveAttribute('aria-invalid', 'true');
    await expect(app.locator('[data-plan-state="errors"]')).toBeVisible();
    await expect(app.locator('[data-action="run"]')).toBeDisabled();

    // A value of the wrong type names the expected one; an out-of-range one gets the host's rule.
    await app.locator('#value-groups').fill('"4"');
    await expect(groups.locator('.field-error')).toContainText('is not a number');
    await app.locator('#value-groups').fill('0, 2');
    await expect(groups.locator('.field-warning')).toContainText('groups: must be at least 1, got 0');

    // Fixed, the explanations go and the sweep can run.
    await app.locator('#value-groups').fill('1, 2');
    await app.locator('#value-channels').fill('8');
    await expect(app.locator('[data-axis] .field-error')).toHaveCount(0);
    await expect(app.locator('[data-axis] .field-warning')).toHaveCount(0);
    await expect(app.locator('[data-plan-invalid]')).toHaveText('0');
    await expect(app.locator('[data-action="run"]')).toBeEnabled();
  });

  test('Run is disabled while any field is invalid; the error summary takes you to each field', async ({ app }) => {
    const run = app.locator('[data-action="run"]');
    await expect(run).toBeEnabled();
    await app.locator('#value-groups').fill('two');
    await app.locator('#measure-minSamples').fill('1');
    await expect(run).toBeDisabled();
    const summary = app.locator('[data-plan-state="errors"]');
    await expect(summary).toContainText('2 fields to fix');
    await screenshot(app, 'editor-errors');
    await summary.locator('[data-error-link="measure.minSamples"]').click();
    await expect(app.locator('#measure-minSamples')).toBeFocused();
    await summary.locator('[data-error-link="value.groups"]').click();
    await expect(app.locator('#value-groups')).toBeFocused();
    await app.locator('#value-groups').fill('1, 2');
    await expect(run).toBeDisabled();
    await app.locator('#measure-minSamples').fill('3');
    await expect(run).toBeEnabled();
  });

  test('offers the shipped profiles as starting points, and a results file opened as a profile as results, in one click', async ({
    app,
  }) => {
    await app.locator('select[data-starter]').selectOption('seed-quick');
    await expect(app.locator('input[name="name"]')).toHaveValue('seed-quick');
    await expect(app.locator('[data-family="gmp"] > label input')).toBeChecked();
    // A results file given to the profile button: not schema-speak, an offer; one click opens it as results.
    await app
      .locator('input[data-file-input="profile"]')
      .first()
      .setInputFiles({
        name: 'mine.sweep.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(fixture)),
      });
    const notice = app.locator('[data-notice="error"]').last();
    await expect(notice).toContainText('mine.sweep.json: This is a results file — open it as results?');
    await screenshot(app, 'error-results-as-profile');
    await notice.locator('[data-notice-action]').click();
    await expect(app.locator('[data-results-source]')).toContainText('file mine.sweep.json');
    await expect(app.locator('[data-testid="verdict"]')).toHaveCount(2);
  });

  test('a plan over ten minutes asks first, as one over the point limit does', async ({ app }) => {
    await selectFamilies(app, 'bottleneck');
    await app.locator('#value-groups').fill('1, 2, 4, 8, 12, 16');
    await app.locator('#value-channels').fill('512');
    await app.locator('#value-batch').fill('32');
    await app.locator('#value-height').fill('14');
    await app.locator('#value-width').fill('14');
    await app.locator('#measure-maxMsPerPoint').fill('300000');
    await app.locator('#measure-maxSamples').fill('1000');
    await expect(app.locator('[data-plan-over-time]')).toBeVisible();
    const asked: string[] = [];
    app.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await app.locator('[data-action="run"]').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/an estimated .* over 10 min 0 s\. Run it anyway\?/);
    await expect(app.getByRole('tab', { name: /^Run$/ })).toHaveAttribute('aria-selected', 'false');
  });

  test('a plan over the point limit is flagged, and runs only once the user confirms its size', async ({ app }) => {
    await selectFamilies(app, 'bottleneck');
    await app.locator('#value-groups').fill(Array.from({ length: 100 }, (_, i) => i + 1).join(', '));
    await app.locator('#value-batch').fill(Array.from({ length: 40 }, (_, i) => i + 1).join(', '));
    await expect(app.locator('[data-plan-over-limit]')).toContainText('over the limit of 10,000');
    const points = Number(await app.locator('[data-plan-points]').textContent());
    expect(points).toBeGreaterThan(10_000);
    const asked: string[] = [];
    app.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await app.locator('[data-action="run"]').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain('Run it anyway?');
    // Declined: nothing started, the editor is still showing.
    await expect(app.locator('[data-plan-over-limit]')).toBeVisible();
    await expect(app.getByRole('tab', { name: /^Run$/ })).toHaveAttribute('aria-selected', 'false');
  });
});
