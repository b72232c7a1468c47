import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkbenchService } from '../../../main/service/workbench-service.js';
import type { SweepEvent } from '../../../main/api.js';
import type { FromWorker } from '../../../engine/worker/protocol.js';
import { countPoints, expandProfile } from '../../../engine/sweep/expand.js';
import { profileSchema } from '../../../engine/files/schemas.js';
import { getFamily, implementationsOn } from '../../../engine/families/index.js';

function service(launch = (() => ({ cancel: () => undefined, finished: new Promise(() => undefined) })) as never) {
  const dir = mkdtempSync(join(tmpdir(), 'fb-service-'));
  const s = createWorkbenchService({
    workspaceDir: dir,
    recentPath: join(dir, 'recent.json'),
    environment: async () => ({}) as never,
    launch,
    files: { pick: async () => null, saveTarget: async (_k, name) => join(dir, name) },
  });
  return { s, dir };
}

const smoke = JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8'));
const smokePoints = countPoints(expandProfile(profileSchema.parse(smoke)));

describe('workbench service (the host side of the contract)', () => {
  it('validates a profile: its size and time estimate, or the field at fault', async () => {
    const { s } = service();
    const ok = await s.validateProfile(smoke);
    expect(ok).toMatchObject({ ok: true, points: smokePoints, invalidPoints: 0 });
    expect(ok.ok && ok.estimatedMs).toBeGreaterThan(0);
    const invalidAxis = await s.validateProfile({ ...smoke, axes: { groups: [2, 0] } });
    // groups = 0 breaks every family that takes a global groups axis, in both modes of the smoke profile.
    const withGroups = ['replicate', 'bottleneck', 'gmp', 'group-linear', 'batchnorm'];
    expect(invalidAxis).toMatchObject({
      ok: true,
      invalidPoints: 2 * withGroups.reduce((n, f) => n + implementationsOn(getFamily(f), 'wasm').length, 0),
    });
    expect(invalidAxis.ok && invalidAxis.invalidReasons[0]).toMatch(/config.groups: must be at least 1, got 0/);
    expect(await s.validateProfile({ ...smoke, modes: ['fast'] })).toMatchObject({ ok: false, field: '.modes[0]' });
    expect(await s.validateProfile({ ...smoke, families: ['nope'] })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/unknown family 'nope'/),
    });
  });

  it('saves only valid profiles and results, remembers them, and reopens only remembered paths', async () => {
    const { s, dir } = service();
    await expect(s.saveFile({ kind: 'results', name: 'x.sweep.json', content: '{"schemaVersion": 1}' })).rejects.toThrow(
      /x.sweep.json: is not a valid results file/,
    );
    const saved = await s.saveFile({ kind: 'profile', name: 'mine.profile.json', content: JSON.stringify(smoke) });
    expect(saved).toEqual({ name: 'mine.profile.json', path: join(dir, 'mine.profile.json') });
    expect((await s.recentFiles()).map((r) => r.path)).toEqual([saved!.path]);
    expect((await s.openRecent(saved!.path)).profile!.name).toBe('smoke');
    writeFileSync(join(dir, 'secret.txt'), 'x');
    await expect(s.openRecent(join(dir, 'secret.txt'))).rejects.toThrow(/not in the recent files list/);
  });

  it('turns engine messages into sweep events for its run', async () => {
    let send: (m: FromWorker) => void = () => undefined;
    const { s } = service(((_r: unknown, on: (m: FromWorker) => void) => {
      send = on;
      return {
        cancel: () => send({ type: 'failed', message: 'cancelled by test', userError: false }),
        finished: new Promise(() => undefined),
      };
    }) as never);
    const events: SweepEvent[] = [];
    s.onSweepEvent((e) => events.push(e));
    const { runId } = await s.startSweep({ profile: smoke });
    send({ type: 'progress', progress: { done: 1, total: 70 } });
    await s.cancelSweep(runId);
    expect(events).toEqual([
      { runId, type: 'progress', progress: { done: 1, total: 70 } },
      { runId, type: 'failed', message: 'cancelled by test' },
    ]);
    await expect(s.cancelSweep(runId)).rejects.toThrow(/no sweep .* is running/);
  });
});
