import { describe, expect, it } from 'vitest';
import { tf } from '../../../engine/core/tf.js';
import { spatialMax } from '../../../engine/core/ops.js';
import { useBackend } from '../../../engine/backends/node.js';
import { verifyTorch } from '../../../engine/torch/verify-torch.js';
import { TORCH, reportSkip } from '../torch/torch-available.js';

reportSkip('engine/max-ties.test.ts');

/**
 * Issue #16, finding 10: the equivalence gate failed 1 run in 5 on attribute-head training. The cause
 * was tf.max's gradient, which hands the whole dy to every tied maximum; ReLU'd bottleneck branches
 * tie exactly (two positions with the same zeroed inputs get the same value), and PyTorch (amax splits
 * dy, max_pool routes it to one) and the WGSL and MaxPool forms (the first maximum) disagreed.
 */
describe('a max over H×W with tied maxima', () => {
  it('splits the gradient among the ties, so it sums to dy (a subgradient)', async () => {
    await useBackend('cpu');
    // [1, 2, 2, 1]: 3 at two positions.
    const x = tf.tensor4d([3, 1, 3, 2], [1, 2, 2, 1]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(spatialMax(v, 'training')))(x);
    expect(Array.from(await g.data())).toEqual([0.5, 0, 0.5, 0]);
    // tf.max's own rule: each tie gets the whole dy, 2 in all.
    const own = tf.grad((v: tf.Tensor) => tf.sum(tf.max(v, [1, 2])))(x);
    expect(Array.from(await own.data())).toEqual([1, 0, 1, 0]);
    expect(Array.from(await spatialMax(x, 'inference').data())).toEqual([3]);
    tf.dispose([x, g, own]);
  });

  it.skipIf(!TORCH)(
    'the seeds that failed against PyTorch pass: attribute-head training, every torch form',
    async () => {
      for (const seed of [854328, 932632]) {
        const rows = await verifyTorch({ family: 'attribute-head', modes: ['training'], seed });
        expect(rows.length).toBeGreaterThan(0);
        for (const r of rows) expect(r.pass, r.message).toBe(true);
      }
    },
    120_000,
  );
});
