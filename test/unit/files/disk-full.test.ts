import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FusebenchError } from '../../../engine/core/errors.js';
import { JournalWriter, writeFileAtomic } from '../../../engine/files/node-files.js';
import { parseJournal, parseResults } from '../../../engine/files/read.js';
import type { JournalHeader, PointRecord } from '../../../engine/files/schemas.js';

/**
 * Full and read-only disks, made real with small tmpfs mounts. Mounting needs root (and a sandbox that
 * allows it); elsewhere these tests skip and say why.
 */
const base = mkdtempSync(join(tmpdir(), 'fb-disk-'));
const mounts: string[] = [];

function mount(name: string, options: string): string | undefined {
  const dir = join(base, name);
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    mounts.push(dir);
    return dir;
  } catch (e) {
    return void (skipReason ??= `mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
  }
}

let skipReason: string | undefined = process.getuid?.() === 0 ? undefined : 'not running as root, so no tmpfs can be mounted';
const probe = skipReason ? undefined : mount('probe', 'size=64k');
if (!probe) console.log(`[skip] disk-full tests: ${skipReason}`);

afterAll(() => {
  for (const dir of mounts) spawnSync('umount', [dir]);
  rmSync(base, { recursive: true, force: true });
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fusebench.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tiny = {
  schemaVersion: 1,
  name: 'tiny',
  families: ['group-linear'],
  backends: ['wasm'],
  modes: ['inference'],
  axes: { groups: [2, 4] },
  fixed: { batch: 2, inFeatures: 4, outFeatures: 4 },
  measure: { warmupMs: 5, minSamples: 3, maxSamples: 3, maxMsPerPoint: 50, seed: 3, memory: false },
};

describe.skipIf(!probe)('writes that cannot lie, on real full and read-only disks', () => {
  let profilePath: string;
  beforeAll(() => {
    profilePath = join(base, 'tiny.profile.json');
    writeFileSync(profilePath, JSON.stringify(tiny));
  });

  it.each(['400k', '200k', '64k'])('a sweep on a %s disk exits 2 with one line; nothing written is cut, no temp file is left', (size) => {
    const dir = mount(`sweep-${size}`, `size=${size}`)!;
    const r = cli(['sweep', profilePath, '--out', dir]);
    expect(r.code, r.err).toBe(2);
    const errLines = r.err.trim().split('\n');
    expect(errLines.at(-1)).toMatch(
      /^fusebench sweep: cannot (write|append to|lock) .*: the disk is full; free some space or choose another --out \(ENOSPC\)$/,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Whatever exists is whole: the results parse, the journal has no cut line, a report is complete HTML.
    if (files.includes('tiny.sweep.json'))
      expect(() => parseResults('r', readFileSync(join(dir, 'tiny.sweep.json'), 'utf8'))).not.toThrow();
    if (files.includes('tiny.sweep.ndjson'))
      expect(parseJournal('j', readFileSync(join(dir, 'tiny.sweep.ndjson'), 'utf8')).truncatedTail).toBe(false);
    if (files.includes('report.html')) expect(readFileSync(join(dir, 'report.html'), 'utf8').trimEnd()).toMatch(/<\/html>$/i);
  });

  it('an atomic write that does not fit leaves the previous file untouched and removes its temp file', () => {
    const dir = mount('atomic', 'size=64k')!;
    const target = join(dir, 'keep.json');
    writeFileAtomic(target, '{"previous": true}');
    let error: unknown;
    try {
      writeFileAtomic(target, 'x'.repeat(200 * 1024));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FusebenchError);
    expect((error as Error).message).toBe(`cannot write ${target}: the disk is full; free some space or choose another --out (ENOSPC)`);
    expect(readFileSync(target, 'utf8')).toBe('{"previous": true}');
    expect(readdirSync(dir)).toEqual(['keep.json']);
  });

  it('a journal line that does not fit is not written at all', () => {
    const dir = mount('journal', 'size=16k')!;
    const path = join(dir, 'j.sweep.ndjson');
    const header = {
      kind: 'header',
      schemaVersion: 1,
      tool: { name: 'fusebench', version: '0' },
      createdAt: 'now',
      profile: { ...tiny, description: '' },
      environment: {
        tool: 'fusebench',
        toolVersion: '0',
        os: 'x',
        cpu: 'x',
        cores: 1,
        memoryBytes: 1,
        node: '20',
        tfjs: '4',
        backends: [],
      },
    } as unknown as JournalHeader;
    const w = JournalWriter.create(path, header);
    const point = (i: number): PointRecord => ({
      key: `k${i}`,
      family: 'gmp',
      implementation: 'serial.sliceMaxLoop',
      role: 'serial',
      mode: 'inference',
      backend: 'wasm',
      config: {},
      status: 'invalid',
      message: 'm'.repeat(3000),
      finishedAt: 'now',
    });
    let written = 0;
    let error: unknown;
    for (let i = 0; i < 100 && !error; i++) {
      try {
        w.append(point(i));
        written++;
      } catch (e) {
        error = e;
      }
    }
    w.close();
    expect(error).toBeInstanceOf(FusebenchError);
    expect((error as Error).message).toMatch(/cannot append to .*: the disk is full/);
    const journal = parseJournal('j', readFileSync(path, 'utf8'));
    expect(journal.truncatedTail).toBe(false);
    expect(journal.points).toHaveLength(written);
  });

  it('a read-only --out exits 2 with one line', () => {
    const dir = mount('readonly', 'size=64k,ro')!;
    const r = cli(['sweep', profilePath, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/cannot create .*: the file system is read-only; choose a writable --out \(EROFS\)/);
  });
});
