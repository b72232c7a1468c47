import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkbenchService, type FileAccess } from '../../../main/service/workbench-service.js';
import { checkArguments, type SweepEvent } from '../../../main/api.js';
import type { Environment, FromWorker } from '../../../engine/common.js';
import { countPoints, expandProfile, formatSpeedup, validateProfileObject, verdictCards } from '../../../engine/node.js';
import type { SweepFilesRequest } from '../../../engine/common.js';
import { fixture } from '../report/fixture.js';
import { getFamily } from '../../../engine/index.js';
import { implementationsOn } from '../../../engine/families/index.js';

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
  it('opens a profile file as the CLI reads it: a misspelled key is refused by name, never dropped for its default', async () => {
    const { s } = service();
    const typo = JSON.stringify({ ...smoke, fixed: { ...smoke.fixed, chanels: 16 } });
    const opened = s.parseFile({ kind: 'profile', name: 'typo.profile.json', text: typo });
    await expect(opened).rejects.toMatchObject({ field: 'fixed.chanels', kind: 'config' });
    await expect(opened).rejects.toThrow(
      /^typo\.profile\.json: .*no family in this profile has a setting 'chanels'; did you mean 'channels'\?/,
    );
    const good = await s.parseFile({ kind: 'profile', name: 'smoke.profile.json', text: JSON.stringify(smoke) });
    expect(good.profile?.name).toBe(smoke.name);
  });

  it('validates a profile: its size and time estimate, or the field at fault as a JSON path', async () => {
    const { s } = service();
    const ok = await s.validateProfile(smoke);
    expect(ok).toMatchObject({ ok: true, points: smokePoints, pointLimit: 10_000, invalidPoints: 0 });
    expect(ok.ok && ok.estimatedMs).toBeGreaterThan(0);
    const invalidAxis = await s.validateProfile({ ...smoke, axes: { groups: [2, 0] } });
    // groups = 0 breaks every family that takes a global groups axis, in both modes of the smoke profile.
    const withGroups = ['replicate', 'bottleneck', 'gmp', 'group-linear', 'batchnorm'];
    expect(invalidAxis.ok && invalidAxis.invalidPoints).toBe(
      2 * withGroups.reduce((n, f) => n + implementationsOn(getFamily(f), 'wasm').length, 0),
    );
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
    expect(huge).toMatchObject({
      ok: true,
      points: 100 * 100 * implementationsOn(getFamily('bottleneck'), 'wasm').length * smoke.modes.length,
    });
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
      {
        runId,
        type: 'progress',
        progress: { done: 1, total: smokePoints },
        time: expect.objectContaining({ fraction: expect.any(Number) }),
      },
      { runId, type: 'failed', message: 'cancelled by test' },
    ]);
    await expect(s.cancelSweep(runId)).rejects.toThrow(/no sweep .* is running/);
  });

  it('keeps a registry of live runs: a reloaded page reattaches with the progress and points so far', async () => {
    let send: (m: FromWorker) => void = () => undefined;
    const requests: SweepFilesRequest[] = [];
    const { s, dir } = service(((r: SweepFilesRequest, on: (m: FromWorker) => void) => {
      requests.push(r);
      send = on;
      mkdirSync(r.outDir, { recursive: true });
      writeFileSync(join(r.outDir, 'smoke.sweep.ndjson'), `${JSON.stringify(journalHeader(r.profile))}\n`);
      return { cancel: () => undefined, finished: new Promise(() => undefined) };
    }) as never);
    const { runId, id } = await s.startSweep({ profile: smoke });
    expect(requests[0]!.outDir).toBe(join(dir, 'runs', id!));
    const [a, b] = fixture.points;
    // The engine reports its plan's time estimate: the host never builds the plan itself.
    expect(requests[0]!.calibration).toEqual({});
    send({ type: 'progress', progress: { done: 0, total: smokePoints, estimate: { doneMs: 0, leftMs: 5_000 } } });
    send({ type: 'point', point: a! });
    send({ type: 'point', point: b! });
    send({ type: 'progress', progress: { done: 2, total: smokePoints, estimate: { doneMs: 400, leftMs: 4_600 } } });
    const snapshot = await s.attachRun(runId);
    expect(snapshot).toMatchObject({ runId, id, profile: { name: 'smoke' }, progress: { done: 2, total: smokePoints } });
    expect(snapshot.points.map((p) => p.key)).toEqual([a!.key, b!.key]);
    expect(snapshot.time!.elapsedMs).toBeGreaterThanOrEqual(0);
    // Time by the engine's estimate at the run's own pace (live-runs.test.ts checks the arithmetic).
    expect(snapshot.time!.remainingMs).toBeGreaterThanOrEqual(0);
    expect(snapshot.time!.fraction).toBeLessThan(1);
    const listed = await s.listRuns();
    expect(listed).toEqual([expect.objectContaining({ id, name: 'smoke', status: 'running', runId, points: 2, total: smokePoints })]);

    // It fails: the registry lets go, and the list says failed, with why.
    send({ type: 'failed', message: 'the engine process exited unexpectedly (code 9)', userError: false });
    await expect(s.attachRun(runId)).rejects.toThrow(/no sweep .* is running here/);
    expect(await s.listRuns()).toEqual([expect.objectContaining({ id, status: 'failed', message: expect.stringMatching(/code 9/) })]);

    // Resume continues the same folder's journal as a new run.
    const resumed = await s.resumeRun(id!);
    expect(resumed.id).toBe(id);
    expect(requests[1]).toMatchObject({ outDir: join(dir, 'runs', id!), resume: true });
    expect((await s.listRuns())[0]).toMatchObject({ status: 'running', runId: resumed.runId });
  });

  it('lists finished runs as complete or cancelled, opens them, and refuses names outside runs/', async () => {
    const { s, dir } = service();
    const write = (id: string, complete: boolean) => {
      mkdirSync(join(dir, 'runs', id));
      writeFileSync(join(dir, 'runs', id, 'r.sweep.ndjson'), `${JSON.stringify(journalHeader(fixture.profile))}\n`);
      writeFileSync(join(dir, 'runs', id, 'r.sweep.json'), JSON.stringify({ ...fixture, complete }));
    };
    write('done-1', true);
    write('stopped-2', false);
    const listed = await s.listRuns();
    expect(listed.map((r) => [r.id, r.status]).sort()).toEqual([
      ['done-1', 'complete'],
      ['stopped-2', 'cancelled'],
    ]);
    expect(listed[0]!.points).toBe(fixture.points.length);
    // Each run's answer at a glance: its cards by kind, and its best counted speedup, as the cards say.
    const cards = verdictCards(fixture);
    const kinds: Record<string, number> = {};
    for (const c of cards) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    expect(listed[0]!.verdicts).toEqual(kinds);
    const best = cards.filter((c) => c.figure?.verdict === 'faster').sort((x, y) => y.figure!.speedupLow - x.figure!.speedupLow)[0];
    expect(listed[0]!.best).toBe(best ? `${best.family} · ${best.mode} · ${best.backend} ${formatSpeedup(best.figure!)}` : undefined);
    const opened = await s.openRun('done-1');
    expect(opened).toMatchObject({ kind: 'results', name: 'done-1' });
    expect(opened.results!.points).toHaveLength(fixture.points.length);
    await expect(s.openRun('nope')).rejects.toThrow(/there is no run 'nope'/);
    await expect(s.resumeRun('done-1')).rejects.toThrow(/is complete: there is nothing to resume/);
    // Folder names are one segment of runs/: the contract refuses anything else before the service sees it.
    for (const bad of ['../x', '.fusebench', 'a/b', '']) expect(() => checkArguments('openRun', [bad]), bad).toThrow(/openRun: argument 0/);
  });

  it('calibrates the time estimate from earlier runs in the workspace, and says so', async () => {
    const { s, dir } = service();
    const before = await s.validateProfile(smoke);
    expect(before.ok && before.estimateBasis).toMatch(/nominal rates: no earlier run on wasm here/);
    // An earlier run of the same profile that took ten times the nominal estimate on every group.
    const groups = expandProfile(validateProfileObject(smoke));
    const nominal = before.ok ? before.estimatedMs : 0;
    let t = Date.parse('2026-01-01T00:00:00.000Z');
    const points = groups.flatMap((g) => {
      t += g.config ? Math.max(1, (10 * nominal) / groups.length) : 0;
      return g.keys.map((key, i) => ({
        key,
        family: g.family.name,
        implementation: g.implementations[i]!.name,
        role: g.implementations[i]!.role,
        mode: g.mode,
        backend: g.backend,
        config: g.config ?? g.raw,
        status: g.config ? 'ok' : 'invalid',
        finishedAt: new Date(t).toISOString(),
      }));
    });
    mkdirSync(join(dir, 'runs', 'earlier'));
    const results = { ...fixture, profile: validateProfileObject(smoke), createdAt: '2026-01-01T00:00:00.000Z', points };
    writeFileSync(join(dir, 'runs', 'earlier', 'smoke.sweep.json'), JSON.stringify(results));
    const after = await s.validateProfile(smoke);
    expect(after.ok && after.estimateBasis).toMatch(/measured: 1 earlier run on wasm/);
    expect(after.ok && after.estimatedMs).toBeGreaterThan(5 * nominal);
  });
});

function journalHeader(profile: unknown) {
  return { kind: 'header', schemaVersion: 2, tool: fixture.tool, createdAt: fixture.createdAt, profile, environment: fixture.environment };
}
