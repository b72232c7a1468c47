import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkbenchService, type FileAccess } from '../../../main/service/workbench-service.js';
import type { SweepEvent } from '../../../main/api.js';
import type { Environment, FromWorker } from '../../../engine/common.js';
import { countPoints, expandProfile, validateProfileObject } from '../../../engine/node.js';
import { getFamily } from '../../../engine/index.js';

const ENV = {
  backends: [
    { name: 'wasm', available: true, kernelTiming: 'host' },
    { name: 'webgpu', available: false, reason: 'no Vulkan loader (libvulkan.so.1)', kernelTiming: 'host' },
  ],
} as unknown as Environment;

/** The web host's file access: no dialogs, everything inside the workspace. */
function service(
  launch = (() => ({ cancel: () => undefined, finished: new Promise(() => undefined) })) as never,
  files?: Partial<FileAccess>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'fb-service-'));
  const s = createWorkbenchService({
    workspaceDir: dir,
    recentPath: join(dir, '.fusebench', 'recent.json'),
    environment: async () => ENV,
    launch,
    files: { dialogs: false, pick: async () => null, saveTarget: async (_k, name) => join(dir, 'runs', name), ...files },
  });
  return { s, dir };
}

const smoke = JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8'));
/** Points of the smoke profile, counted by expanding it (the service only counts). */
const smokePoints = countPoints(expandProfile(validateProfileObject(smoke)));

describe('workbench service (the host side of the contract)', () => {
  it('validates a profile: its size and time estimate, or the field at fault as a JSON path', async () => {
    const { s } = service();
    const ok = await s.validateProfile(smoke);
    expect(ok).toMatchObject({ ok: true, points: smokePoints, pointLimit: 10_000, invalidPoints: 0 });
    expect(ok.ok && ok.estimatedMs).toBeGreaterThan(0);
    const invalidAxis = await s.validateProfile({ ...smoke, axes: { groups: [2, 0] } });
    // groups = 0 breaks every family that takes a global groups axis, in both modes of the smoke profile.
    const withGroups = ['replicate', 'bottleneck', 'gmp', 'group-linear', 'batchnorm'];
    expect(invalidAxis.ok && invalidAxis.invalidPoints).toBe(2 * withGroups.reduce((n, f) => n + getFamily(f).implementations.length, 0));
    expect(invalidAxis.ok && invalidAxis.invalid[0]).toMatchObject({
      field: 'config.groups',
      message: expect.stringMatching(/must be at least 1, got 0/),
    });
    expect(await s.validateProfile({ ...smoke, modes: ['fast'] })).toMatchObject({ ok: false, field: 'modes[0]' });
    expect(await s.validateProfile({ ...smoke, measure: { ...smoke.measure, minSamples: 50, maxSamples: 3 } })).toMatchObject({
      ok: false,
      field: 'measure.minSamples',
      message: expect.stringMatching(/must not exceed maxSamples/),
    });
    expect(await s.validateProfile({ ...smoke, families: ['nope'] })).toMatchObject({
      ok: false,
      field: 'families[0]',
      message: expect.stringMatching(/unknown family 'nope'/),
    });
    expect(await s.validateProfile({ ...smoke, axes: { grups: [1, 2] } })).toMatchObject({
      ok: false,
      field: 'axes.grups',
      message: expect.stringMatching(/did you mean 'groups'/),
    });
  });

  it('sizes a huge plan from its counts alone, at once, without expanding it', async () => {
    const { s } = service();
    const axis = Array.from({ length: 100 }, (_, i) => i + 1);
    const t0 = performance.now();
    const huge = await s.validateProfile({ ...smoke, families: ['bottleneck'], axes: { groups: axis, channels: axis }, fixed: {} });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(huge).toMatchObject({ ok: true, points: 100 * 100 * getFamily('bottleneck').implementations.length * smoke.modes.length });
    expect(huge).toMatchObject({ invalidPoints: 0, estimatedMs: 0 });
    const enormous = await s.validateProfile({
      ...smoke,
      families: ['bottleneck'],
      axes: { groups: axis, channels: axis, batch: axis, height: axis, width: axis },
      fixed: {},
    });
    expect(enormous).toMatchObject({ ok: false, field: 'axes', message: expect.stringMatching(/over the limit/) });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('refuses to start a sweep on an unavailable backend, naming it and why, before launching anything', async () => {
    let launched = 0;
    const { s } = service((() => {
      launched++;
      return { cancel: () => undefined, finished: new Promise(() => undefined) };
    }) as never);
    await expect(s.startSweep({ profile: smoke, backend: 'webgpu' })).rejects.toMatchObject({
      kind: 'backend',
      field: 'backends',
      message: 'backend webgpu is unavailable: no Vulkan loader (libvulkan.so.1)',
    });
    await expect(s.startSweep({ profile: { ...smoke, backends: ['webgpu'] } })).rejects.toThrow(/backend webgpu is unavailable/);
    expect(launched).toBe(0);
  });

  it('saves only valid profiles and results, inside the workspace, and reopens only remembered paths', async () => {
    const { s, dir } = service();
    await expect(s.saveFile({ kind: 'results', name: 'x.sweep.json', content: '{"schemaVersion": 1}' })).rejects.toThrow(
      /x.sweep.json: is not a valid results file/,
    );
    const saved = await s.saveFile({ kind: 'profile', name: 'mine.profile.json', content: JSON.stringify(smoke) });
    expect(saved).toEqual({ name: 'mine.profile.json', path: join(dir, 'runs', 'mine.profile.json') });
    expect((await s.recentFiles()).map((r) => r.path)).toEqual([saved!.path]);
    expect((await s.openRecent(saved!.path)).profile!.name).toBe('smoke');
    writeFileSync(join(dir, 'secret.txt'), 'x');
    await expect(s.openRecent(join(dir, 'secret.txt'))).rejects.toThrow(/not in the recent files list/);
    rmSync(saved!.path);
    await expect(s.openRecent(saved!.path)).rejects.toThrow(/mine.profile.json: does not exist/);
  });

  it('cannot be made to read outside the workspace, and leaks nothing of what is there', async () => {
    const { s } = service();
    // The old attack: overwrite the recent list through saveFile, then open what it names.
    const forged = JSON.stringify([{ kind: 'profile', name: 'shadow', path: '/etc/hostname', at: '2026-01-01T00:00:00Z' }]);
    await expect(s.saveFile({ kind: 'report', name: 'recent-files.json', content: forged })).resolves.toMatchObject({
      name: 'recent-files.json',
    });
    await expect(s.openRecent('/etc/hostname')).rejects.toThrow(/not in the recent files list/);
    // A recorded entry that became a symlink out of the workspace is refused, not followed.
    const saved = await s.saveFile({ kind: 'profile', name: 'p.profile.json', content: JSON.stringify(smoke) });
    const victim = join(mkdtempSync(join(tmpdir(), 'fb-outside-')), 'secret.json');
    writeFileSync(victim, '{"secret": "do-not-leak"}');
    rmSync(saved!.path);
    symlinkSync(victim, saved!.path);
    const refused = await s.openRecent(saved!.path).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/outside the workspace/);
    expect((refused as Error).message).not.toMatch(/do-not-leak/);
  });

  it('never writes outside the workspace, even for names like ..', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'fb-parent-'));
    const before = readdirSync(outside);
    const { s } = service(undefined, { saveTarget: async (_k, name) => join(outside, name) });
    await expect(s.saveFile({ kind: 'report', name: 'r.html', content: 'x' })).rejects.toThrow(/outside the workspace/);
    expect(readdirSync(outside)).toEqual(before);
  });

  it('in Electron, opens a file the user picked in a dialog even outside the workspace, and refuses devices at once', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'fb-docs-'));
    mkdirSync(join(elsewhere, 'd'));
    const file = join(elsewhere, 'd', 'picked.profile.json');
    writeFileSync(file, JSON.stringify(smoke));
    let next = file;
    const { s } = service(undefined, { dialogs: true, pick: async () => ({ name: 'picked.profile.json', path: next }) });
    expect((await s.pickFile('profile'))!.profile!.name).toBe('smoke');
    expect((await s.openRecent(file)).profile!.name).toBe('smoke');
    next = '/dev/zero';
    const t0 = performance.now();
    await expect(s.pickFile('profile')).rejects.toThrow(/\/dev\/zero: is not a regular file/);
    expect(performance.now() - t0).toBeLessThan(500);
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
    s.onSweepEvent(() => {
      throw new Error('a broken listener');
    });
    const { runId } = await s.startSweep({ profile: smoke });
    send({ type: 'progress', progress: { done: 1, total: smokePoints } });
    await s.cancelSweep(runId);
    expect(events).toEqual([
      { runId, type: 'progress', progress: { done: 1, total: smokePoints } },
      { runId, type: 'failed', message: 'cancelled by test' },
    ]);
    await expect(s.cancelSweep(runId)).rejects.toThrow(/no sweep .* is running/);
  });
});
