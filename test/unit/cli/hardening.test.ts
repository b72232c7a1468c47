import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsFile } from '../../../engine/files/node-safetensors.js';

/** Issue #17: what an attack on the CLI's file inputs and flags still found, each now one line and exit 2. */
const BIN = join(process.cwd(), 'bin/fusebench.mjs');
const GOLDEN = join(process.cwd(), 'test/golden');

function run(args: string[], cwd = process.cwd()) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'fb-hard-'));
const at = (name: string) => join(dir, name);
const fifo = (name: string) => {
  execFileSync('mkfifo', [at(name)]);
  return at(name);
};

/** One line on stderr, exit 2, no stack trace, no "internal error". */
function oneLine(r: { code: number | null; err: string }, pattern: RegExp) {
  expect(r.code, r.err).toBe(2);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/internal error|\n\s+at |RangeError|Maximum call stack/);
}

const tiny = {
  schemaVersion: 2,
  name: 'tiny',
  families: ['gmp'],
  backends: ['cpu'],
  axes: { groups: [2, 3] },
  fixed: { batch: 2, channels: 4, height: 2, width: 2 },
  measure: { warmupMs: 1, minSamples: 3, maxSamples: 6, maxMsPerPoint: 100 },
};

describe('files that are not regular files', () => {
  it('--out onto a FIFO or a folder is refused and left as it was (a device would have become a plain file)', () => {
    const out = fifo('out.fifo');
    oneLine(
      run([
        'forward',
        '--family',
        'gmp',
        '--implementation',
        'parallel.fusedMax',
        '--input',
        join(GOLDEN, 'gmp.input.safetensors'),
        '--backend',
        'cpu',
        '--out',
        out,
      ]),
      /out\.fifo: is a FIFO, not a file Fusebench may replace/,
    );
    expect(lstatSync(out).isFIFO()).toBe(true);
    mkdirSync(at('a-folder'));
    writeFileSync(at('tiny.profile.json'), JSON.stringify(tiny));
    const s = run(['sweep', at('tiny.profile.json'), '--out', at('sweep')]);
    expect(s.code, s.err).toBe(0);
    oneLine(
      run(['report', join(at('sweep'), 'tiny.sweep.json'), '--format', 'csv', '--out', fifo('report.fifo')]),
      /report\.fifo: is a FIFO/,
    );
    oneLine(run(['report', join(at('sweep'), 'tiny.sweep.json'), '--format', 'md', '--out', at('a-folder')]), /a-folder: is a folder/);
  }, 120_000);

  it.each([
    ['verify', ['verify', '--family', 'gmp', '--weights']],
    ['convert', ['convert', '--family', 'gmp', '--to', 'serial', '--config', '{}']],
    ['forward', ['forward', '--family', 'gmp', '--implementation', 'parallel.fusedMax', '--out', 'y', '--input']],
  ])('a FIFO or a folder as a %s input is refused at once, never waited on', (_name, args) => {
    const started = performance.now();
    const withFifo = args[0] === 'convert' ? [...args, fifo(`in-${args[0]}.fifo`), at('o')] : [...args, fifo(`in-${args[0]}.fifo`)];
    oneLine(run(withFifo), /is not a regular file \(a folder, a FIFO or a device\)/);
    const withFolder = args[0] === 'convert' ? [...args, dir, at('o')] : [...args, dir];
    oneLine(run(withFolder), /is not a regular file/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('inputs that once gave a stack trace or were silently dropped', () => {
  it('a --config nested 5,000 deep is one line naming the flag', () => {
    oneLine(
      run(['formulas', '--family', 'gmp', '--config', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`]),
      /--config nests deeper than 64 levels/,
    );
  });

  it('__proto__ as a profile key or a tensor name is refused like any unknown name', () => {
    writeFileSync(at('proto.profile.json'), JSON.stringify(tiny).replace('"fixed":{', '"fixed":{"__proto__":{"x":1},'));
    oneLine(run(['sweep', at('proto.profile.json'), '--out', at('proto')]), /fixed\.__proto__: is not a valid key/);
    oneLine(run(['formulas', '--family', 'gmp', '--config', '{"__proto__": {"groups": 2}}']), /--config: __proto__ is not a valid key/);
    // Written as text: in an object literal `__proto__` would set the prototype, not a key.
    const header = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const bytes = Buffer.alloc(8 + header.length + 4);
    bytes.writeBigUInt64LE(BigInt(header.length), 0);
    bytes.write(header, 8);
    writeFileSync(at('proto.safetensors'), bytes);
    oneLine(run(['verify', '--family', 'gmp', '--config', '{}', '--weights', at('proto.safetensors')]), /a tensor is named '__proto__'/);
  });

  it('a profile named ".." writes into runs/sweep, never into the folder above', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fb-dots-'));
    writeFileSync(join(cwd, 'dots.profile.json'), JSON.stringify({ ...tiny, name: '..' }));
    const r = run(['sweep', 'dots.profile.json'], cwd);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(cwd).sort()).toEqual(['dots.profile.json', 'runs']);
    expect(existsSync(join(cwd, 'runs', 'sweep', 'sweep.sweep.json'))).toBe(true);
  }, 60_000);
});

describe('big safetensors files', () => {
  /** A sparse file: its header declares one F32 tensor of `bytes` bytes (zeros), taking no disk. */
  function sparse(name: string, bytes: number, declared = bytes): string {
    const header = JSON.stringify({ t: { dtype: 'F32', shape: [declared / 4], data_offsets: [0, declared] } });
    const fd = openSync(at(name), 'w');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.length));
    writeSync(fd, prefix);
    writeSync(fd, header);
    ftruncateSync(fd, 8 + header.length + bytes);
    closeSync(fd);
    return at(name);
  }

  it('a 1.9 GiB file whose header does not fit its data is refused from the header, at once', () => {
    const path = sparse('bad.safetensors', Math.floor(1.9 * 1024 ** 3), 1024);
    const t0 = performance.now();
    expect(() => readSafetensorsFile(path)).toThrow(/data section has .* bytes after the last tensor/);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('a 2.1 GiB file (over what Node holds in one buffer, under the 4 GiB limit) loads, tensor by tensor', () => {
    const bytes = 2.1 * 1024 ** 3 - ((2.1 * 1024 ** 3) % 4);
    const t = readSafetensorsFile(sparse('big.safetensors', bytes)).tensors.t!;
    expect(t.shape).toEqual([bytes / 4]);
    expect(t.data[t.data.length - 1]).toBe(0);
  }, 60_000);
});

describe('sweeps', () => {
  it('Ctrl-C stops a million-point sweep within 2 s, even while its plan is being built: exit 130', async () => {
    const big = {
      ...tiny,
      name: 'big',
      axes: { groups: Array.from({ length: 400 }, (_, i) => i + 1), channels: Array.from({ length: 600 }, (_, i) => 4 * (i + 1)) },
    };
    writeFileSync(at('big.profile.json'), JSON.stringify(big));
    const child = spawn(process.execPath, [BIN, 'sweep', at('big.profile.json'), '--out', at('big'), '--max-points', '1000000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    // Three seconds in, the engine is building the plan (a million points take it several seconds).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const t0 = performance.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(code).toBe(130);
    expect(err).toMatch(/continue with: fusebench sweep .* --resume/);
  }, 120_000);

  it('resuming a journal cut mid-group writes no key twice, counts what it kept, and never passes 100%', () => {
    const profile = { ...tiny, name: 'cut', families: ['gmp', 'batchnorm'], axes: { groups: [2, 3, 4] } };
    writeFileSync(at('cut.profile.json'), JSON.stringify(profile));
    const first = run(['sweep', at('cut.profile.json'), '--out', at('cut'), '--json']);
    expect(first.code, first.err).toBe(0);
    const journal = join(at('cut'), 'cut.sweep.ndjson');
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    const total = lines.length - 1;
    // Cut after the header, the first whole gmp group and one point of the next: a crash mid-group.
    const firstGroup = firstGroupLength(lines);
    writeFileSync(journal, `${lines.slice(0, 1 + firstGroup + 1).join('\n')}\n`);
    writeFileSync(join(at('cut'), 'cut.sweep.json'), '');
    const again = run(['sweep', at('cut.profile.json'), '--out', at('cut'), '--resume', '--json']);
    expect(again.code, again.err).toBe(0);
    const summary = JSON.parse(again.out) as { points: number; resumedPoints: number };
    expect(summary).toMatchObject({ points: total, resumedPoints: firstGroup });
    const keys = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => (JSON.parse(l) as { key: string }).key);
    expect(keys).toHaveLength(total);
    expect(new Set(keys).size).toBe(total);
    for (const m of again.err.matchAll(/progress (\d+)\/(\d+)/g)) expect(Number(m[1])).toBeLessThanOrEqual(Number(m[2]));
  }, 120_000);

  it('a sweep whose pass process is killed records error points, says how many, and exits 1', async () => {
    writeFileSync(
      at('kill.profile.json'),
      JSON.stringify({
        ...tiny,
        name: 'kill',
        axes: { groups: [2, 3, 4, 5, 6, 7] },
        measure: { ...tiny.measure, minSamples: 30, maxSamples: 60, maxMsPerPoint: 2_000 },
      }),
    );
    const child = spawn(process.execPath, [BIN, 'sweep', at('kill.profile.json'), '--out', at('kill')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    // Kill one of the sweep's pass processes once it measures.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const pass = passProcessesOf(child.pid!);
        if (pass.length > 0 && /points →/.test(err)) {
          clearInterval(poll);
          process.kill(pass[0]!, 'SIGKILL');
          resolve();
        }
      }, 100);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toMatch(/(\d+) of \d+ points could not be measured \(status error\), e\.g\. .*the engine's pass process stopped/);
    expect(code).toBe(1);
  }, 120_000);
});

/** Lines (after the header) that hold the first group: its points share family, mode, backend and config. */
function firstGroupLength(lines: string[]): number {
  const points = lines.slice(1).map((l) => JSON.parse(l) as { family: string; config: unknown });
  const first = JSON.stringify([points[0]!.family, points[0]!.config]);
  return points.findIndex((p) => JSON.stringify([p.family, p.config]) !== first);
}

/** Pids of processes running engine-pass.mjs whose parent is `pid` (Linux /proc). */
function passProcessesOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('engine-pass')) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
