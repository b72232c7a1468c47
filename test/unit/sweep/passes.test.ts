import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureSettingsSchema, pointSchema, profileSchema, type PassRecord, type PointRecord } from '../../../engine/files/schemas.js';
import { sampleGroup } from '../../../engine/measure/sampler.js';
import { logWidth, pairedSpeedup, roundRatios } from '../../../engine/stats/paired.js';
import { combinePasses, passesAgree } from '../../../engine/stats/random-effects.js';
import { allocatorNote, mergePasses, needsAnotherPass, passSettings } from '../../../engine/measure/passes.js';
import { runSweepToFiles } from '../../../engine/sweep/node-sweep.js';
import { fakeClock } from './fake-clock.js';

const settings = measureSettingsSchema.parse({ warmupMs: 0, minSamples: 20, maxSamples: 20 });
const pair = [{ parallel: 'parallel', baseline: 'serial' }];

/**
 * One pass on simulated time: serial takes 2 ms a call, parallel 1 ms × `level` (the pass's own state,
 * e.g. its process's allocator) with a small deterministic jitter per round.
 */
async function syntheticPass(level: number, seed: number) {
  const { clock, contender } = fakeClock();
  const jitter = (i: number) => 1 + 0.02 * Math.sin(seed * 7.1 + i * 1.3);
  const times = await sampleGroup(
    [contender('serial', (i) => 2 * jitter(i)), contender('parallel', (i) => level * jitter(i + 11))],
    pair,
    settings,
    undefined,
    clock,
  );
  const ratios = roundRatios(times.contenders.get('serial')!.samplesMs, times.contenders.get('parallel')!.samplesMs);
  return pairedSpeedup(ratios, seed);
}

describe('speedups across passes (random effects)', () => {
  it('the interval widens with the variance between passes, and holds every pass (synthetic samples, fake clock)', async () => {
    const steady = await Promise.all([1, 1, 1].map((level, i) => syntheticPass(level, i + 1)));
    const drifting = await Promise.all([0.9, 1, 1.12].map((level, i) => syntheticPass(level, i + 1)));
    // Each pass on its own is sure of itself: a narrow within-pass interval.
    for (const p of [...steady, ...drifting]) expect(logWidth(p)).toBeLessThan(0.05);
    const a = combinePasses(steady, 60);
    const b = combinePasses(drifting, 60);
    expect(logWidth(b)).toBeGreaterThan(2 * logWidth(a));
    for (const p of drifting) {
      expect(p.speedup).toBeGreaterThan(b.speedupLow);
      expect(p.speedup).toBeLessThan(b.speedupHigh);
    }
    expect(passesAgree(steady)).toBe(true);
    expect(passesAgree(drifting)).toBe(false);
    expect(b.betweenPassSd).toBeGreaterThan(0.05);
    expect(a.betweenPassSd).toBeLessThan(0.02);
  });

  it('one pass is widened by the prior between-pass spread; more agreeing passes narrow it', () => {
    const pass = { speedup: 2, speedupLow: 1.98, speedupHigh: 2.02 };
    const one = combinePasses([pass], 10);
    const four = combinePasses([pass, pass, pass, pass], 40);
    expect(logWidth(one)).toBeGreaterThan(logWidth(pass));
    expect(logWidth(four)).toBeLessThan(logWidth(one));
    expect(one.speedup).toBeCloseTo(2, 6);
    expect(one.verdict).toBe('faster');
    // A pass on each side of 1 beyond their own intervals: no verdict either way.
    expect(
      combinePasses(
        [
          { speedup: 0.9, speedupLow: 0.88, speedupHigh: 0.92 },
          { speedup: 1.1, speedupLow: 1.08, speedupHigh: 1.12 },
        ],
        20,
      ).verdict,
    ).toBe('within-noise');
  });

  it('needs another pass below minPasses, and while passes disagree on a wide interval, up to maxPasses', () => {
    const s = measureSettingsSchema.parse({ minPasses: 2, maxPasses: 4 });
    const point = (passes: PassRecord[]): PointRecord => {
      const c = combinePasses(passes as { speedup: number; speedupLow: number; speedupHigh: number }[], 20);
      return { passes, speedup: c.speedup, speedupLow: c.speedupLow, speedupHigh: c.speedupHigh } as PointRecord;
    };
    const pass = (speedup: number): PassRecord => ({
      pid: 1,
      rounds: 10,
      blockSize: 1,
      warmupCalls: 2,
      medianMs: 1,
      stopReason: 'converged',
      busy: false,
      speedup,
      speedupLow: speedup * 0.99,
      speedupHigh: speedup * 1.01,
    });
    expect(needsAnotherPass([point([pass(2)])], 1, s)).toBe(true);
    expect(needsAnotherPass([point([pass(2), pass(2.01)])], 2, s)).toBe(false);
    expect(needsAnotherPass([point([pass(2), pass(2.4)])], 2, s)).toBe(true);
    expect(needsAnotherPass([point([pass(2), pass(2.4), pass(2.1), pass(2.3)])], 4, s)).toBe(false);
  });

  it('shares the rounds and the time budget of a point between its first passes', () => {
    const s = measureSettingsSchema.parse({ minSamples: 10, maxSamples: 50, maxMsPerPoint: 5000, targetCiWidth: 0.05, minPasses: 2 });
    expect(passSettings(s)).toMatchObject({ minSamples: 5, maxSamples: 25, maxMsPerPoint: 2500 });
    expect(passSettings(s).targetCiWidth).toBeCloseTo(0.05 * Math.SQRT2, 12);
    expect(passSettings({ ...s, minPasses: 1 })).toMatchObject({
      minSamples: 10,
      maxSamples: 50,
      maxMsPerPoint: 5000,
      targetCiWidth: 0.05,
    });
  });
});

describe('allocator-bound points', () => {
  const pass = (minorFaultsPerCall: number): PassRecord => ({
    pid: 1,
    rounds: 5,
    blockSize: 1,
    warmupCalls: 2,
    medianMs: 1,
    stopReason: 'converged',
    busy: false,
    minorFaultsPerCall,
  });
  const output = 64 * 4096;

  it('flags faults per call that differ by more than 10× between passes', () => {
    expect(allocatorNote([pass(3), pass(40)], output)).toMatch(/differ 3\.0–40 between passes/);
    expect(allocatorNote([pass(3), pass(25)], output)).toBeUndefined();
  });

  it('flags more than one fault per 4 KiB of output, and never a handful of faults', () => {
    expect(allocatorNote([pass(80), pass(90)], output)).toMatch(/90 minor page faults per call for 64 pages of output/);
    expect(allocatorNote([pass(0), pass(0.5)], 1024)).toBeUndefined();
    expect(allocatorNote([pass(0.01), pass(0.3)], output)).toBeUndefined();
  });

  it('merges a group whose passes fault differently into an allocator-bound point, rounds one pass after another', () => {
    const impls = [
      { name: 'serial.concatLoop', role: 'serial' as const, summary: '', primitive: '' },
      { name: 'parallel.tile', role: 'parallel' as const, summary: '', primitive: '' },
    ];
    const record = (impl: (typeof impls)[number], faults: number, samplesMs: number[], gated: boolean): PointRecord => ({
      key: impl.name,
      family: 'replicate',
      implementation: impl.name,
      role: impl.role,
      mode: 'inference',
      backend: 'torch',
      config: {},
      status: 'ok',
      ...(gated ? { equivalence: { relErr: 0, maxAbs: 0, pass: true, tolerance: 1e-5, seed: 1 } } : {}),
      time: {
        samplesMs,
        medianMs: samplesMs[0]!,
        iqrMs: 0,
        relIqr: 0,
        minMs: samplesMs[0]!,
        meanMs: samplesMs[0]!,
        n: samplesMs.length,
        blockSize: 1,
        warmupCalls: 2,
        kernelTiming: 'host',
        stopReason: 'converged',
      },
      machine: { loadAvg1: 0.1, busy: false },
      passes: [{ ...pass(faults), rounds: samplesMs.length }],
      ...(impl.role === 'parallel' ? { baseline: 'serial.concatLoop', speedup: 8, speedupLow: 7.9, speedupHigh: 8.1 } : {}),
      finishedAt: 'now',
    });
    const first = [record(impls[0]!, 0.1, [8, 8, 8], true), record(impls[1]!, 20, [1, 1, 1], true)];
    const second = [record(impls[0]!, 0.1, [9, 9], false), record(impls[1]!, 3000, [0.1, 0.1], false)];
    second[1]!.passes![0]!.speedup = 90;
    second[1]!.passes![0]!.speedupLow = 89;
    second[1]!.passes![0]!.speedupHigh = 91;
    first[1]!.passes![0]!.speedup = 8;
    first[1]!.passes![0]!.speedupLow = 7.9;
    first[1]!.passes![0]!.speedupHigh = 8.1;
    const [serial, tile] = mergePasses(impls, first, [first, second], output);
    expect(serial!.time!.samplesMs).toEqual([8, 8, 8, 9, 9]);
    expect(serial!.allocatorBound).toBeUndefined();
    expect(tile!.passes!.map((p) => p.minorFaultsPerCall)).toEqual([20, 3000]);
    expect(tile!.allocatorBound).toBe(true);
    expect(tile!.allocatorNote).toMatch(/allocator/);
    // ×8 in one process and ×90 in another: the interval holds both, and says nothing either way of 1 it does not know.
    expect(tile!.speedupLow).toBeLessThan(8);
    expect(tile!.speedupHigh).toBeGreaterThan(90);
    expect(tile!.betweenPassSd).toBeCloseTo(Math.abs(Math.log(90 / 8)) / Math.SQRT2, 6);
    pointSchema.parse(tile);
  });
});

describe('passes in fresh processes (the built engine)', () => {
  it('measures every pass of a point in a process of its own, none of them the sweep’s', async () => {
    const profile = profileSchema.parse({
      schemaVersion: 2,
      name: 'passes',
      families: ['gmp'],
      backends: ['cpu'],
      axes: { groups: [2, 3] },
      fixed: { batch: 2, channels: 4, height: 3, width: 3 },
      measure: { warmupMs: 1, minSamples: 3, maxSamples: 6, maxMsPerPoint: 100, minPasses: 3, maxPasses: 3 },
    });
    const { results } = await runSweepToFiles({ profile, outDir: mkdtempSync(join(tmpdir(), 'fb-passes-')), report: false });
    for (const p of results.points) {
      expect(p.status, p.message).toBe('ok');
      const pids = p.passes!.map((x) => x.pid);
      expect(pids).toHaveLength(3);
      expect(new Set(pids).size).toBe(3);
      expect(pids).not.toContain(process.pid);
      expect(p.passes!.reduce((n, x) => n + x.rounds, 0)).toBe(p.time!.n);
      if (p.role === 'parallel') expect(p.speedupLow).toBeLessThanOrEqual(p.speedup!);
    }
    // The k-th pass of every group ran in the same k-th process, as a rerun would go through the plan.
    const byPass = [0, 1, 2].map((k) => new Set(results.points.map((p) => p.passes![k]!.pid)));
    for (const s of byPass) expect(s.size).toBe(1);
  }, 60_000);
});
