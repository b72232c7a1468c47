import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../engine/core/tf.js';
import { runSweep, type PassMeasurer } from '../../../engine/sweep/run-sweep.js';
import { passMeasurer, passRequest } from '../../../engine/sweep/measure-pass.js';
import { countPoints, expandProfile } from '../../../engine/sweep/expand.js';
import { profileSchema, pointSchema, type PointRecord } from '../../../engine/files/schemas.js';
import { useBackend } from '../../../engine/backends/node.js';
import { summarize } from '../../../engine/stats/sample-stats.js';

const profile = profileSchema.parse({
  schemaVersion: 2,
  name: 'unit',
  families: ['bottleneck', 'gmp'],
  backends: ['cpu'],
  axes: { groups: [1, 2, 3] },
  fixed: { batch: 2, channels: 4, height: 3, width: 3 },
  measure: { warmupMs: 1, minSamples: 3, maxSamples: 6, maxMsPerPoint: 100 },
});

// The sweep's own logic, measured in this process (engine/sweep/pass-pool.ts runs passes in fresh ones).
const inProcess = passMeasurer();
const measure: PassMeasurer = (group, settings, pass, signal) => inProcess.measure(passRequest(group, settings, pass), signal);

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
      measure,
      onProgress: (p) => progress.push(p.done),
    });
    expect(tf.memory().numTensors).toBe(before);
    const planned = countPoints(expandProfile(profile));
    expect(points).toHaveLength(planned);
    for (const p of points) {
      pointSchema.parse(p);
      expect(p.status).toBe('ok');
      const s = summarize(p.time!.samplesMs);
      expect(p.time!.medianMs).toBe(s.medianMs);
      expect(p.time!.n).toBe(p.time!.samplesMs.length);
      expect(p.time!.n).toBeGreaterThanOrEqual(3);
      expect(p.time!.warmupCalls).toBeGreaterThanOrEqual(2);
      expect(p.memory!.kernelCount).toBeGreaterThan(0);
      expect(p.memory!.source).toBe('js-arrays');
      expect(p.memory!.predictedPeakBytes).toBeGreaterThan(0);
      expect(p.params!.counted).toBe(p.params!.formula);
      expect(p.equivalence!.pass).toBe(true);
      expect(p.machine!.loadAvg1).toBeGreaterThanOrEqual(0);
      // Two passes at least (measure.minPasses), their rounds one after another in samplesMs.
      expect(p.passes!.length).toBeGreaterThanOrEqual(2);
      expect(p.passes!.reduce((n, x) => n + x.rounds, 0)).toBe(p.time!.n);
      if (p.role === 'parallel') {
        // Paired rounds: round i of the point and of its baseline align, and the speedup is their median ratio.
        const baseline = points.find(
          (q) => q.implementation === p.baseline && q.family === p.family && q.config.groups === p.config.groups,
        )!;
        expect(baseline.time!.n).toBe(p.time!.n);
        expect(p.speedupLow).toBeLessThanOrEqual(p.speedup!);
        expect(p.speedupHigh).toBeGreaterThanOrEqual(p.speedup!);
        expect(p.verdict).toMatch(/^(faster|slower|within-noise)$/);
      } else expect(p.speedup).toBeUndefined();
    }
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(planned);
    // The serial bottleneck launches more kernels than the fused one at g = 3 (DESIGN.md §4.5).
    const kernels = (impl: string) => points.find((p) => p.implementation === impl && p.config.groups === 3)!.memory!.kernelCount;
    expect(kernels('serial.branchLoop')).toBeGreaterThan(kernels('parallel.blockDiagonalConv'));
  });

  it('cancel stops at the point in flight: finished points kept, the rest not started', async () => {
    const firstGroup = expandProfile(profile)[0]!.keys.length;
    const controller = new AbortController();
    const finished: string[] = [];
    const points = await runSweep({
      groups: expandProfile(profile),
      settings: { ...profile.measure, minSamples: 1000, maxSamples: 1000, maxMsPerPoint: 60_000 },
      useBackend,
      measure,
      signal: controller.signal,
      onPoint: (p) => finished.push(p.key),
      // Cancel as the second group starts: deterministic, whatever the machine's speed.
      onProgress: (p) => {
        if (p.done >= firstGroup && p.current) controller.abort();
      },
    });
    expect(finished.length).toBe(firstGroup);
    expect(points.filter((p) => p.status === 'cancelled')).toHaveLength(expandProfile(profile)[1]!.keys.length);
    expect(points).toHaveLength(firstGroup + expandProfile(profile)[1]!.keys.length);
  });

  it('the test hold measures whole groups until it has the given number of points, then waits for the cancel', async () => {
    const controller = new AbortController();
    const finished: string[] = [];
    const perGroup = expandProfile(profile)[0]!.keys.length;
    const points = await runSweep({
      groups: expandProfile(profile),
      settings: profile.measure,
      useBackend,
      measure,
      signal: controller.signal,
      holdAfterPoints: perGroup + 1,
      onPoint: (p) => {
        finished.push(p.key);
        if (finished.length === 2 * perGroup) setTimeout(() => controller.abort(), 200);
      },
    });
    expect(finished).toHaveLength(2 * perGroup);
    expect(points).toHaveLength(2 * perGroup);
  });

  it('an unavailable backend makes error points with the reason and the sweep goes on', async () => {
    const withBadBackend = profileSchema.parse({ ...profile, families: ['gmp'], backends: ['tensorflow', 'cpu'], axes: { groups: [2] } });
    const points = await runSweep({ groups: expandProfile(withBadBackend), settings: withBadBackend.measure, useBackend, measure });
    expect(
      points.filter((p) => p.backend === 'tensorflow').every((p) => p.status === 'error' && /not installed/.test(p.message ?? '')),
    ).toBe(true);
    expect(points.filter((p) => p.backend === 'cpu').every((p) => p.status === 'ok')).toBe(true);
  });

  it('measures a pass taken on a busy machine again at the end of the sweep, and keeps the quieter one', async () => {
    const one = profileSchema.parse({ ...profile, families: ['gmp'], axes: { groups: [2] } });
    const asked: number[] = [];
    // The machine is busy during the first measurement of pass 2 only; the retry finds it quiet.
    const busyOnce: PassMeasurer = async (group, settings, pass, signal) => {
      asked.push(pass.index);
      const records = await measure(group, settings, pass, signal);
      const busy = pass.index === 2 && asked.filter((i) => i === 2).length === 1;
      return records.map((r) => ({ ...r, passes: r.passes?.map((x) => ({ ...x, busy, otherCpuCores: busy ? 1.2 : 0 })) }));
    };
    const seen: PointRecord[] = [];
    const points = await runSweep({
      groups: expandProfile(one),
      settings: { ...one.measure, minPasses: 2, maxPasses: 2 },
      useBackend,
      measure: busyOnce,
      onPoint: (p) => seen.push(p),
    });
    expect(asked).toEqual([1, 2, 2]);
    const planned = countPoints(expandProfile(one));
    // Every point was reported twice: at once with its busy pass, then again with the retry.
    expect(seen).toHaveLength(2 * planned);
    expect(seen.slice(0, planned).every((p) => p.machine?.busy === true)).toBe(true);
    expect(points).toHaveLength(planned);
    for (const p of points) {
      expect(p.machine!.busy).toBe(false);
      expect(p.passes![1]!.retried).toBe(true);
      expect(p.passes![0]!.retried).toBeUndefined();
    }
  });
});
