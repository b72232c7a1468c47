import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../../engine/core/tf.js';
import { profileSchema } from '../../../engine/files/schemas.js';
import { runSweepToFiles } from '../../../engine/sweep/node-sweep.js';
import { useBackend } from '../../../engine/backends/node.js';

/**
 * Until the sampler drives the torch worker, a sweep must not measure TensorFlow.js under the label
 * `torch`: its points are `error` points that say so, and the other backends' points are measured.
 */
describe('a sweep that names torch', () => {
  it('records torch points as errors and measures the rest', async () => {
    await useBackend('cpu');
    const before = tf.getBackend();
    const profile = profileSchema.parse({
      schemaVersion: 2,
      name: 'torch-guard',
      families: ['gmp'],
      backends: ['torch', 'cpu'],
      axes: { groups: [2] },
      fixed: { batch: 2, channels: 3, height: 2, width: 2 },
      measure: { warmupMs: 1, minSamples: 3, maxSamples: 4, maxMsPerPoint: 50, memory: false },
    });
    const { results } = await runSweepToFiles({ profile, outDir: mkdtempSync(join(tmpdir(), 'fb-torch-sweep-')), report: false });
    const torch = results.points.filter((p) => p.backend === 'torch');
    expect(torch.length).toBeGreaterThan(0);
    for (const p of torch) expect(p).toMatchObject({ status: 'error', message: expect.stringMatching(/sweeps do not measure torch yet/) });
    expect(results.points.filter((p) => p.backend === 'cpu').every((p) => p.status === 'ok')).toBe(true);
    expect(results.environment.backends.map((b) => b.name)).toContain('torch');
    expect(tf.getBackend()).toBe(before);
  });
});
