import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../engine/core/tf.js';
import { runSweep } from '../../../engine/sweep/run-sweep.js';
import { expandProfile } from '../../../engine/sweep/expand.js';
import { profileSchema, pointSchema } from '../../../engine/files/schemas.js';
import { useBackend } from '../../../engine/backends/node.js';
import { summarize } from '../../../engine/report/stats.js';

const profile = profileSchema.parse({
  schemaVersion: 1,
  name: 'unit',
  families: ['bottleneck', 'gmp'],
  backends: ['cpu'],
  axes: { groups: [1, 2, 3] },
  fixed: { batch: 2, channels: 4, height: 3, width: 3 },
  measure: { warmupMs: 1, minSamples: 3, maxSamples: 6, maxMsPerPoint: 100 },
});

describe('running a sweep', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('measures every point with statistics, memory, equivalence and speedups, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const points = await runSweep({
      groups: expandProfile(profile),
      settings: profile.measure,
      useBackend,
      onProgress: (p) => progress.push(p.done),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(points).toHaveLength(3 * 3 + 3 * 3);
    for (const p of points) {
      pointSchema.parse(p);
      expect(p.status).toBe('ok');
      const s = summarize(p.time!.samplesMs);
      expect(p.time!.medianMs).toBe(s.medianMs);
      expect(p.time!.n).toBe(p.time!.samplesMs.length);
      expect(p.time!.n).toBeGreaterThanOrEqual(3);
      expect(p.time!.warmupCalls).toBeGreaterThanOrEqual(2);
      expect(p.memory!.kernelCount).toBeGreaterThan(0);
      expect(p.memory!.peakBytes).toBeGreaterThanOrEqual(p.memory!.predictedPeakBytes);
      expect(p.params!.counted).toBe(p.params!.formula);
      expect(p.equivalence!.pass).toBe(true);
      if (p.role === 'parallel')
        expect(p.speedup).toBeCloseTo(
          points.find((q) => q.role === 'serial' && q.family === p.family && q.config.groups === p.config.groups)!.time!.medianMs /
            p.time!.medianMs,
        );
      else expect(p.speedup).toBeUndefined();
    }
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(18);
    // The serial bottleneck launches more kernels than the fused one at g = 3 (DESIGN.md §4.5).
    const kernels = (impl: string) => points.find((p) => p.implementation === impl && p.config.groups === 3)!.memory!.kernelCount;
    expect(kernels('serial.branchLoop')).toBeGreaterThan(kernels('parallel.blockDiagonalConv'));
  });

  it('cancel stops at the point in flight: finished points kept, the rest not started', async () => {
    const controller = new AbortController();
    const finished: string[] = [];
    const points = await runSweep({
      groups: expandProfile(profile),
      settings: { ...profile.measure, minSamples: 1000, maxSamples: 1000, maxMsPerPoint: 60_000 },
      useBackend,
      signal: controller.signal,
      onPoint: (p) => finished.push(p.key),
      // Cancel as the second group starts: deterministic, whatever the machine's speed.
      onProgress: (p) => {
        if (p.done >= 3 && p.current) controller.abort();
      },
    });
    expect(finished.length).toBe(3);
    expect(points.filter((p) => p.status === 'cancelled')).toHaveLength(3);
    expect(points).toHaveLength(6);
  });

  it('the test hold measures the given number of points, then waits for the cancel', async () => {
    const controller = new AbortController();
    const finished: string[] = [];
    const run = runSweep({
      groups: expandProfile(profile),
      settings: profile.measure,
      useBackend,
      signal: controller.signal,
      holdAfterPoints: 6,
      onPoint: (p) => {
        finished.push(p.key);
        if (finished.length === 6) setTimeout(() => controller.abort(), 200);
      },
    });
    const points = await run;
    expect(finished).toHaveLength(6);
    expect(points).toHaveLength(6);
  });

  it('an unavailable backend makes error points with the reason and the sweep goes on', async () => {
    const withBadBackend = profileSchema.parse({ ...profile, families: ['gmp'], backends: ['tensorflow', 'cpu'], axes: { groups: [2] } });
    const points = await runSweep({ groups: expandProfile(withBadBackend), settings: withBadBackend.measure, useBackend });
    expect(
      points.filter((p) => p.backend === 'tensorflow').every((p) => p.status === 'error' && /not installed/.test(p.message ?? '')),
    ).toBe(true);
    expect(points.filter((p) => p.backend === 'cpu').every((p) => p.status === 'ok')).toBe(true);
  });
});
