import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseJournal, parseProfile, parseResults } from '../../../engine/files/read.js';
import { FileFormatError } from '../../../engine/core/errors.js';
import { profileSchema, RESULTS_SCHEMA_VERSION, type SweepResults, type PointRecord } from '../../../engine/files/schemas.js';
import { migrate } from '../../../engine/files/migrate.js';

const profile = profileSchema.parse({ schemaVersion: 2, name: 'p', families: ['gmp'] });
const environment = {
  tool: 'fusebench',
  toolVersion: '0.1.0',
  os: 'Linux',
  cpu: 'x',
  cores: 2,
  memoryBytes: 1,
  node: '20',
  tfjs: '4.22.0',
  backends: [],
};
const point: PointRecord = {
  key: 'gmp|serial.sliceMaxLoop|inference|wasm|{"groups":2}',
  family: 'gmp',
  implementation: 'serial.sliceMaxLoop',
  role: 'serial',
  mode: 'inference',
  backend: 'wasm',
  config: { groups: 2 },
  status: 'invalid',
  message: 'config.groups: …',
  finishedAt: '2026-11-26T00:00:00.000Z',
};
const results: SweepResults = {
  schemaVersion: RESULTS_SCHEMA_VERSION,
  tool: { name: 'fusebench', version: '0.1.0' },
  createdAt: 'now',
  complete: true,
  profile,
  environment,
  points: [point],
};
const header = { kind: 'header', schemaVersion: RESULTS_SCHEMA_VERSION, tool: results.tool, createdAt: 'now', profile, environment };

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FileFormatError);
    return (e as Error).message;
  }
  throw new Error('expected a FileFormatError');
}

describe('reading versioned files', () => {
  it('reads the shipped profiles and a good results file', () => {
    expect(parseProfile('smoke', readFileSync('profiles/smoke.profile.json', 'utf8')).name).toBe('smoke');
    expect(parseResults('r.sweep.json', JSON.stringify(results)).points).toHaveLength(1);
  });

  it.each([
    ['truncated', JSON.stringify(results).slice(0, 200), /r.sweep.json: is not valid JSON \(it looks truncated\)/],
    ['not JSON', 'hello', /is not valid JSON/],
    ['an array', '[]', /is not a Fusebench results file \(expected a JSON object\)/],
    ['no version', JSON.stringify({ ...results, schemaVersion: undefined }), /has no schemaVersion/],
    [
      'newer',
      JSON.stringify({ ...results, schemaVersion: 4 }),
      /written by a newer Fusebench \(results file schemaVersion 4; this version reads up to 3\); upgrade/,
    ],
    ['a bad point', JSON.stringify({ ...results, points: [{ ...point, status: 'great' }] }), /: points\[0\]\.status: /],
    ['an unknown key', JSON.stringify({ ...results, extra: 1 }), /not a valid results file: .*extra/],
  ])('refuses a results file that is %s, naming the file and the problem', (_what, text, message) => {
    expect(failure(() => parseResults('r.sweep.json', text))).toMatch(message);
  });

  it('refuses a bad profile with the field named', () => {
    expect(failure(() => parseProfile('x.profile.json', JSON.stringify({ ...profile, modes: ['fast'] })))).toMatch(
      /x.profile.json: is not a valid profile: modes\[0\]/,
    );
    expect(failure(() => parseProfile('x.profile.json', JSON.stringify({ ...profile, families: [] })))).toMatch(
      /is not a valid profile: families: must name at least one family/,
    );
  });

  it('migrates step by step and refuses a version it cannot convert', () => {
    const steps = { 1: (d: Record<string, unknown>) => ({ ...d, renamed: d.old }) };
    expect(migrate({ schemaVersion: 1, old: 5 }, 1, 2, steps)).toEqual({ schemaVersion: 2, old: 5, renamed: 5 });
    expect(migrate({ schemaVersion: 0 }, 0, 2, steps)).toBeUndefined();
  });
});

/** A results file as Fusebench 0.1 wrote it (schemaVersion 1): ratio-of-medians speedups, tfjs-accounted memory. */
function v1Results(): Record<string, unknown> {
  const time = (samplesMs: number[]) => ({
    samplesMs,
    medianMs: [...samplesMs].sort((a, b) => a - b)[Math.floor(samplesMs.length / 2)],
    iqrMs: 0.1,
    relIqr: 0.05,
    minMs: Math.min(...samplesMs),
    meanMs: 1,
    n: samplesMs.length,
    firstCallMs: 9,
    warmupCalls: 2,
    kernelTiming: 'host',
    stopReason: 'stable',
  });
  const memory = { peakBytes: 800, predictedPeakBytes: 400, newBytes: 400, newTensors: 2, kernelCount: 3, kernels: [] };
  const base = { mode: 'inference', backend: 'wasm', family: 'gmp', config: { groups: 2 }, status: 'ok', finishedAt: 'then' };
  return {
    schemaVersion: 1,
    tool: results.tool,
    createdAt: 'then',
    complete: true,
    profile: { schemaVersion: 1, name: 'old', families: ['gmp'], measure: { targetRelIqr: 0.1 } },
    environment,
    points: [
      { ...base, key: 's', implementation: 'serial.sliceMaxLoop', role: 'serial', memory, time: time([2, 2.2, 2.1, 1.9, 2]) },
      {
        ...base,
        key: 'p',
        implementation: 'parallel.fusedMax',
        role: 'parallel',
        memory,
        time: time([1, 1.1, 1, 0.9]),
        equivalence: { relErr: 0, maxAbs: 0, pass: true, tolerance: 1e-5, seed: 1 },
        speedup: 2,
      },
    ],
  };
}

describe('results of earlier versions', () => {
  it('opens a v1 results file: profile migrated, speedups re-derived from samples paired by round, memory labelled', () => {
    const r = parseResults('old.sweep.json', JSON.stringify(v1Results()));
    expect(r.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(r.profile.measure.targetCiWidth).toBe(0.1);
    const p = r.points.find((x) => x.key === 'p')!;
    expect(p.baseline).toBe('serial.sliceMaxLoop');
    expect(p.speedupLow).toBeLessThanOrEqual(p.speedup!);
    expect(p.speedupHigh).toBeGreaterThanOrEqual(p.speedup!);
    expect(p.verdict).toBe('faster');
    expect(p.intervalNote).toMatch(/paired by round index \(4 rounds/);
    expect(p.time).toMatchObject({ blockSize: 1, firstCallMs: 9, firstCallWhere: 'after-gate', stopReason: 'stable' });
    expect(p.memory).toMatchObject({ peakBytes: 800, tfjsPeakBytes: 800, source: 'tfjs-tensors-v1' });
  });

  it('keeps a v1 speedup without an interval where too few rounds pair, and says so', () => {
    const old = v1Results();
    const points = old.points as Record<string, Record<string, unknown>>[];
    points[1]!.time = { ...points[1]!.time!, samplesMs: [1, 1] };
    const p = parseResults('old.sweep.json', JSON.stringify(old)).points.find((x) => x.key === 'p')!;
    expect(p.speedup).toBe(2);
    expect(p.speedupLow).toBeUndefined();
    expect(p.intervalNote).toMatch(/no interval/);
  });

  it('opens a v2 results file (one pass per point): its intervals are marked as covering that run only', () => {
    const v2 = {
      ...results,
      schemaVersion: 2,
      points: [{ ...point, status: 'ok', role: 'parallel', speedup: 1.5, speedupLow: 1.4, speedupHigh: 1.6 }],
    };
    const p = parseResults('v2.sweep.json', JSON.stringify(v2)).points[0]!;
    expect(p.speedup).toBe(1.5);
    expect(p.intervalNote).toMatch(/one pass in one process; the interval covers that run's rounds, not a rerun/);
  });

  it('opens a v1 profile: the relIQR target gives way to the default interval width', () => {
    const old = { schemaVersion: 1, name: 'p', families: ['gmp'], measure: { minSamples: 5, targetRelIqr: 0.1 } };
    const p = parseProfile('p.profile.json', JSON.stringify(old));
    expect(p.measure).toMatchObject({ minSamples: 5, targetCiWidth: 0.1 });
    expect('targetRelIqr' in p.measure).toBe(false);
  });

  it('reads a v1 journal, migrating every point line, and remembers the version it was written with', () => {
    const old = v1Results();
    const v1Header = { kind: 'header', schemaVersion: 1, tool: results.tool, createdAt: 'then', profile: old.profile, environment };
    const text = [v1Header, ...(old.points as unknown[])].map((l) => JSON.stringify(l)).join('\n') + '\n';
    const j = parseJournal('old.sweep.ndjson', text);
    expect(j.writtenVersion).toBe(1);
    expect(j.points.map((p) => p.key)).toEqual(['s', 'p']);
    expect(j.points[1]!.intervalNote).toMatch(/no interval/);
  });
});

describe('journal', () => {
  const second = { ...point, config: { groups: 3 }, key: 'gmp|serial.sliceMaxLoop|inference|wasm|{"groups":3}' };
  const lines = [JSON.stringify(header), JSON.stringify(point), JSON.stringify(second)];

  it('reads a header and its points', () => {
    const j = parseJournal('j', `${lines.join('\n')}\n`);
    expect(j.points.map((p) => p.key)).toEqual([point.key, second.key]);
    expect(j.truncatedTail).toBe(false);
  });

  it('drops a last line cut off by a crash, and says so', () => {
    const j = parseJournal('j', `${lines.join('\n')}\n${JSON.stringify(point).slice(0, 40)}`);
    expect(j.points).toHaveLength(2);
    expect(j.truncatedTail).toBe(true);
  });

  it('refuses a damaged line in the middle: never half-loaded', () => {
    expect(failure(() => parseJournal('j', `${lines[0]}\n{oops\n${lines[1]}\n`))).toMatch(
      /j: line 2 is not valid JSON; the journal is damaged/,
    );
    expect(failure(() => parseJournal('j', `${lines[0]}\n${JSON.stringify({ ...point, mode: 'x' })}\n`))).toMatch(
      /line 2 is not a valid point: mode:/,
    );
    expect(failure(() => parseJournal('j', ''))).toMatch(/is empty/);
  });
});
