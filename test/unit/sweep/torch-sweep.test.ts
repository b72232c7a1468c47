import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../engine/core/tf.js';
import { profileSchema } from '../../../engine/files/schemas.js';
import { runSweepToFiles } from '../../../engine/sweep/node-sweep.js';
import { useBackend } from '../../../engine/backends/node.js';
import { implementationsOn, getFamily } from '../../../engine/families/index.js';
import { TORCH, reportSkip } from '../torch/torch-available.js';
import { zombieChildren } from '../torch/torch-available.js';

reportSkip('torch-sweep.test.ts');

/**
 * Sweeps measure torch as they measure TensorFlow.js (paired rounds driven from TypeScript, samples
 * timed in the worker) behind a cross-framework gate: every torch implementation against the
 * TypeScript serial reference, in both modes.
 */
describe.skipIf(!TORCH)('a sweep on torch (CPU here)', () => {
  it('measures every torch implementation with a cross-framework gate, paired speedups, and the tfjs backend beside it', async () => {
    await useBackend('cpu');
    const before = tf.getBackend();
    const profile = profileSchema.parse({
      schemaVersion: 2,
      name: 'torch-sweep',
      families: ['gmp', 'batchnorm'],
      backends: ['torch', 'cpu'],
      modes: ['inference', 'training'],
      axes: { groups: [2] },
      fixed: { batch: 2, channels: 3, height: 2, width: 2 },
      measure: { warmupMs: 1, minSamples: 3, maxSamples: 5, maxMsPerPoint: 200, memory: true },
    });
    const { results } = await runSweepToFiles({ profile, outDir: mkdtempSync(join(tmpdir(), 'fb-torch-sweep-')), report: false });
    const torch = results.points.filter((p) => p.backend === 'torch');
    const expected = ['gmp', 'batchnorm'].reduce((n, f) => n + implementationsOn(getFamily(f), 'torch').length, 0) * 2;
    expect(torch).toHaveLength(expected);
    for (const p of torch) {
      expect(p.status, p.message).toBe('ok');
      expect(p.equivalence?.pass, p.message).toBe(true);
      expect(p.time!.firstCallWhere).toBe('gate');
      expect(p.time!.samplesMs.length).toBeGreaterThanOrEqual(3);
      // On CPU PyTorch's allocator keeps no high-water figure: no memory record rather than a made-up one.
      expect(p.memory).toBeUndefined();
      if (p.role === 'parallel') expect(p.verdict).toMatch(/^(faster|slower|within-noise)$/);
      // Time per op of one call under torch's profiler (host time on CPU), the heaviest first.
      expect(p.ops?.timing).toBe('host');
      expect(p.ops!.byOp.length).toBeGreaterThan(0);
      expect(p.ops!.byOp.some((o) => o.name.startsWith('aten::'))).toBe(true);
      const ms = p.ops!.byOp.map((o) => o.ms);
      expect(ms).toEqual([...ms].sort((a, b) => b - a));
    }
    expect(torch.find((p) => p.implementation === 'parallel.maxPoolReshape')!.baseline).toBe('serial.sliceMaxPoolLoop');
    expect(results.points.filter((p) => p.backend === 'cpu').every((p) => p.status === 'ok')).toBe(true);
    expect(tf.getBackend()).toBe(before);
    expect(await zombieChildren()).toEqual([]);
  }, 120_000);
});
