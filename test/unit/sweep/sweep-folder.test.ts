import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireSweepLock, LOCK_FILE } from '../../../engine/sweep/sweep-lock.js';
import { parseJournal, parseResults } from '../../../engine/files/read.js';
import { countPoints, expandProfile, validateProfileObject } from '../../../engine/node.js';
import { buildHeldCli } from '../../hold/build-held.js';

/** A sweep that takes a few seconds: one family, two configs, inference, minimal sampling. */
function tinyProfile(dir: string, name = 'tiny', backends = ['wasm']): string {
  const profile = {
    schemaVersion: 1,
    name,
    families: ['group-linear'],
    backends,
    modes: ['inference'],
    axes: { groups: [2, 4] },
    fixed: { batch: 2, inFeatures: 4, outFeatures: 4 },
    measure: { warmupMs: 5, minSamples: 3, maxSamples: 3, maxMsPerPoint: 50, seed: 3, memory: false },
  };
  const path = join(dir, `${name}.profile.json`);
  writeFileSync(path, JSON.stringify(profile));
  return path;
}

const tinyPoints = (path: string) => countPoints(expandProfile(validateProfileObject(JSON.parse(readFileSync(path, 'utf8')))));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/fusebench.mjs', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const lines = (text: string) => text.trim().split('\n');
const journalLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0);

describe('one writer per sweep folder', () => {
  it('a second lock on a folder is refused with the holder named; a released or dead one is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-lock-'));
    const lock = acquireSweepLock(dir);
    expect(() => acquireSweepLock(dir)).toThrow(new RegExp(`in use by another Fusebench sweep \\(pid ${process.pid} on ${hostname()}`));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    // A lock left by a process that no longer runs (kill -9) is stale.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: Number(dead.stdout), threadId: 0, host: hostname(), startedAt: 'then', nonce: 'x' }),
    );
    acquireSweepLock(dir).release();
    // On another machine we cannot tell: refused, with the file to delete named.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, threadId: 0, host: 'elsewhere.example', startedAt: 'then', nonce: 'y' }));
    expect(() => acquireSweepLock(dir)).toThrow(/pid 1 on elsewhere\.example.*delete .*\.fusebench\.lock/);
  });

  it('a second writer gets exit 2 at once while a sweep runs; after kill -9 the folder resumes with no point lost or doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-writers-'));
    const profile = tinyProfile(dir);
    const out = join(dir, 'out');
    const journal = join(out, 'tiny.sweep.ndjson');
    // A CLI whose engine holds the sweep after its first group (test/hold/) until it is killed.
    const held = buildHeldCli();
    const first = spawn(process.execPath, [held.cli, 'sweep', profile, '--out', out], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 60_000;
      while (journalLines(journal) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      const second = cli(['sweep', profile, '--out', out, '--resume']);
      expect(second.code).toBe(2);
      expect(lines(second.err)).toHaveLength(1);
      expect(second.err).toMatch(/is in use by another Fusebench sweep \(pid \d+ on .*\); wait for it to finish or stop it/);
      expect(Date.now() - t0).toBeLessThan(30_000);
    } finally {
      // The first writer holds its sweep (the test hook) until killed: kill it whatever happened above.
      first.kill('SIGKILL');
      await new Promise((r) => (first.exitCode !== null || first.signalCode !== null ? r(undefined) : first.once('exit', r)));
      held.remove();
    }
    const before = parseJournal(journal, readFileSync(journal, 'utf8')).points;
    const resumed = cli(['sweep', profile, '--out', out, '--resume', '--json']);
    expect(resumed.code, resumed.err).toBe(0);
    const results = parseResults('r', readFileSync(join(out, 'tiny.sweep.json'), 'utf8'));
    const keys = results.points.map((p) => p.key);
    expect(new Set(keys).size).toBe(tinyPoints(profile));
    for (const p of before) expect(keys).toContain(p.key);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('records the effective backend and profile hash; resuming on another backend exits 2 naming the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-backend-'));
    const profile = tinyProfile(dir);
    const out = join(dir, 'out');
    const run = cli(['sweep', profile, '--out', out, '--backend', 'cpu', '--json']);
    expect(run.code, run.err).toBe(0);
    const header = parseJournal('j', readFileSync(join(out, 'tiny.sweep.ndjson'), 'utf8')).header;
    expect(header.backends).toEqual(['cpu']);
    expect(header.profileHash).toMatch(/^[0-9a-f]{64}$/);
    const other = cli(['sweep', profile, '--out', out, '--resume', '--backend', 'wasm']);
    expect(other.code).toBe(2);
    expect(lines(other.err)).toHaveLength(1);
    expect(other.err).toMatch(/was started on cpu; resuming on wasm would mix backends: resume with --backend cpu or without --backend/);
    // Without --backend the journal's own backend is kept.
    const same = cli(['sweep', profile, '--out', out, '--resume', '--json']);
    expect(same.code, same.err).toBe(0);
    const results = parseResults('r', readFileSync(join(out, 'tiny.sweep.json'), 'utf8'));
    expect(new Set(results.points.map((p) => p.backend))).toEqual(new Set(['cpu']));
  });

  it('a journal cut at creation (0 bytes, a partial header, or only the lock of a killed writer) is started afresh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-cut-'));
    const profile = tinyProfile(dir);
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const staleLock = JSON.stringify({ pid: dead, threadId: 0, host: hostname(), startedAt: 'then', nonce: 'z' });
    for (const [content, resume, lock] of [
      ['', false, undefined],
      ['{"kind":"header","schemaVersion":1,"to', true, undefined],
      [undefined, true, staleLock],
    ] as const) {
      const out = join(dir, `out-${resume}-${lock !== undefined}`);
      mkdirSync(out, { recursive: true });
      if (content !== undefined) writeFileSync(join(out, 'tiny.sweep.ndjson'), content);
      if (lock !== undefined) writeFileSync(join(out, LOCK_FILE), lock);
      const r = cli(['sweep', profile, '--out', out, '--json', ...(resume ? ['--resume'] : [])]);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ complete: true, points: tinyPoints(profile) });
    }
  });

  it('error points (a backend that could not start) are measured again on resume', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-retry-'));
    const profile = tinyProfile(dir);
    const out = join(dir, 'out');
    expect(cli(['sweep', profile, '--out', out, '--json']).code).toBe(0);
    const journal = join(out, 'tiny.sweep.ndjson');
    const [head, ...points] = readFileSync(journal, 'utf8').trim().split('\n');
    // The first group's points failed (a group fails as a whole: a backend that could not start).
    const groupOf = (l: string) => JSON.stringify((JSON.parse(l) as { config: unknown }).config);
    const failed = groupOf(points[0]!);
    const broken = points.map((l) =>
      groupOf(l) === failed
        ? JSON.stringify({ ...JSON.parse(l), status: 'error', message: 'backend wasm is unavailable: test', time: undefined })
        : l,
    );
    const kept = broken.filter((l) => groupOf(l) !== failed).length;
    writeFileSync(journal, [head, ...broken].map((l) => `${l}\n`).join(''));
    const r = cli(['sweep', profile, '--out', out, '--resume', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ complete: true, resumedPoints: kept });
    const results = parseResults('r', readFileSync(join(out, 'tiny.sweep.json'), 'utf8'));
    expect(results.points.filter((p) => p.status === 'error')).toEqual([]);
    // Measured again, not appended twice: one line per point.
    expect(readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(1 + points.length);
  });
});

describe('fail fast on an unavailable backend', () => {
  const env = JSON.parse(cli(['env', '--json']).out) as { backends: { name: string; available: boolean }[] };
  const unavailable = env.backends.filter((b) => !b.available).map((b) => b.name);

  it.each(unavailable.length ? unavailable : ['(none)'])('%s: exit 2 before the first point, one line naming it and why', (backend) => {
    if (backend === '(none)') {
      console.log('[skip] every backend is available on this machine; the fail-fast path was not exercised');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'fb-failfast-'));
    for (const args of [
      ['sweep', tinyProfile(dir), '--backend', backend, '--out', join(dir, 'a')],
      ['sweep', tinyProfile(dir, 'on-it', [backend]), '--out', join(dir, 'b')],
    ]) {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(lines(r.err)).toHaveLength(1);
      expect(r.err).toMatch(new RegExp(`^fusebench sweep: backend ${backend} is unavailable: .{10,}`));
    }
    expect(readdirSync(dir).filter((f) => !f.endsWith('.profile.json'))).toEqual([]);
  });
});

describe('bad input to fusebench sweep: exit 2, one line, no stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-garbage-'));
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const smoke = JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8'));
  const axis = Array.from({ length: 100 }, (_, i) => i + 1);
  const fifo = join(dir, 'fifo.profile.json');
  let haveFifo = true;
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    haveFifo = false;
  }
  const cases: [string, string[], RegExp][] = [
    ['/dev/zero', ['/dev/zero'], /\/dev\/zero: is not a regular file/],
    ['a folder', [dir], /is not a regular file/],
    ['2 MiB of spaces', [write('big.profile.json', ' '.repeat(2 * 1024 * 1024))], /over the limit of 1048576/],
    ['binary garbage', [write('bin.profile.json', Buffer.from([0, 255, 10, 13, 0x7b, 0x22]))], /is not valid JSON/],
    ['an empty file', [write('empty.profile.json', '')], /is not valid JSON/],
    ['nesting 10⁵ deep', [write('deep.profile.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)], /nests deeper than 64 levels/],
    [
      'a 5000-character name',
      [write('long.profile.json', JSON.stringify({ ...smoke, name: 'x'.repeat(5000) }))],
      /name: must be at most 200/,
    ],
    [
      'minSamples 50 > maxSamples 3',
      [write('ms.profile.json', JSON.stringify({ ...smoke, measure: { minSamples: 50, maxSamples: 3 } }))],
      /measure.minSamples: must not exceed maxSamples/,
    ],
    [
      'a typo in a global axis',
      [write('typo.profile.json', JSON.stringify({ ...smoke, axes: { grups: [2, 4] } }))],
      /axes.grups: .*did you mean 'groups'/,
    ],
    [
      'a repeated axis value',
      [write('dup.profile.json', JSON.stringify({ ...smoke, axes: { groups: [2, 4, 4] } }))],
      /axes.groups\[2\]: repeats the value 4/,
    ],
    [
      'a 300,000-value axis',
      [write('wide.profile.json', JSON.stringify({ ...smoke, axes: { groups: Array.from({ length: 300_000 }, (_, i) => i) } }))],
      /over the limit/,
    ],
    [
      '5 axes × 100 values',
      [
        write(
          'huge.profile.json',
          JSON.stringify({
            ...smoke,
            families: ['bottleneck'],
            axes: { groups: axis, channels: axis, batch: axis, height: axis, width: axis },
            fixed: {},
          }),
        ),
      ],
      /points, over the limit of 10,000/,
    ],
    ['--max-points 0', ['profiles/smoke.profile.json', '--max-points', '0'], /--max-points must be between 1 and/],
    [
      'an --out below a file',
      ['profiles/smoke.profile.json', '--out', '/etc/hostname/x'],
      /cannot create \/etc\/hostname\/x: .*\(ENOTDIR\)/,
    ],
    [
      'an --out name too long',
      ['profiles/smoke.profile.json', '--out', join(dir, 'n'.repeat(5000))],
      /the path is too long.*\(ENAMETOOLONG\)/,
    ],
    ...(haveFifo ? ([['a FIFO', [fifo], /is not a regular file/]] as [string, string[], RegExp][]) : []),
  ];
  if (!haveFifo) console.log('[skip] FIFO case: mkfifo is not available here');

  // Permission bits do not bind root: as root, the CLI runs as `nobody` (where that user can read the
  // checkout); otherwise as this user, against a folder made read-only.
  const readOnly = mkdtempSync(join(tmpdir(), 'fb-readonly-'));
  chmodSync(readOnly, 0o555);
  const asRoot = process.getuid?.() === 0;
  const NOBODY = 65534;
  const nobodyCanRun =
    asRoot &&
    spawnSync(process.execPath, ['-e', "require('fs').accessSync('bin/fusebench.mjs'); require('fs').accessSync('dist/node')"], {
      uid: NOBODY,
      gid: NOBODY,
    }).status === 0;
  const canTest = !asRoot || nobodyCanRun;
  if (!canTest) console.log('[skip] permission case: running as root, and user nobody cannot read this checkout');
  it.skipIf(!canTest)('an --out in a folder it may not write to', () => {
    const r = spawnSync(process.execPath, ['bin/fusebench.mjs', 'sweep', 'profiles/smoke.profile.json', '--out', join(readOnly, 'x')], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    expect(r.status, r.stderr).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot create .*fb-readonly-.*\/x: permission denied; choose a folder you may write to \(EACCES\)/);
    expect(readdirSync(readOnly)).toEqual([]);
  });

  it.each(cases)('%s', (_what, args, message) => {
    const t0 = Date.now();
    const r = cli(['sweep', ...args]);
    expect(r.code, r.err).toBe(2);
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
