import { z } from 'zod';
import { tf } from '../core/tf.js';
import { positiveInt } from '../core/config.js';
import {
  blockDiagonal,
  conv,
  branchNames,
  cloneWeights,
  diagonalBlocks,
  groupMatmul,
  groupMatmulAllocations,
  linear,
  stackBranches,
  unstackBranches,
} from '../core/ops.js';
import { SeededInit } from '../core/init.js';
import type { Implementation, LayerFamily, Tensors } from '../core/types.js';

/** Seed §6: one Linear(in → out) per group, group i reading its slice of x [B, g·in]. */
export const groupLinearSchema = z.object({
  batch: positiveInt(32, 65_536),
  groups: positiveInt(12, 1_024),
  inFeatures: positiveInt(512, 65_536),
  outFeatures: positiveInt(64, 65_536),
});
export type GroupLinearConfig = z.infer<typeof groupLinearSchema>;

const sliceLoop: Implementation<GroupLinearConfig> = {
  name: 'serial.linearLoop',
  role: 'serial',
  summary: 'slice each group, one Linear per group, concat the outputs',
  primitive: '_FusedMatMul (matmul + bias)',
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward(w, x, c) {
    const outs = Array.from({ length: c.groups }, (_, i) => {
      const xi = tf.slice(x, [0, i * c.inFeatures], [c.batch, c.inFeatures]);
      return linear(xi, w.trainable[`g${i}.weight`]!, w.trainable[`g${i}.bias`]!);
    });
    return tf.concat(outs, 1);
  },
  allocations: (c) => [
    ...Array.from({ length: c.groups }, () => [c.batch * c.inFeatures, c.batch * c.outFeatures]).flat(),
    c.batch * c.groups * c.outFeatures,
  ],
};

const batchedMatmul: Implementation<GroupLinearConfig> = {
  name: 'parallel.batchedMatmul',
  role: 'parallel',
  summary: "one batched matmul with weight [g, in, out] and bias [g, out] (einsum 'bgi,gio->bgo')",
  primitive: 'BatchMatMul + Add (bias)',
  toParallel: (w, c) => ({
    trainable: {
      weight: stackBranches(w.trainable, 'g', c.groups, 'weight'),
      bias: tf.reshape(stackBranches(w.trainable, 'g', c.groups, 'bias'), [c.groups, 1, c.outFeatures]),
    },
    buffers: {},
  }),
  toSerial(ts, c) {
    const out: Tensors = {};
    unstackBranches(ts.weight!, 'g', 'weight', [c.inFeatures, c.outFeatures], out);
    unstackBranches(ts.bias!, 'g', 'bias', [c.outFeatures], out);
    return out;
  },
  forward(w, x, c) {
    const grouped = tf.reshape(x, [c.batch, c.groups, c.inFeatures]);
    const y = groupMatmul(grouped, w.trainable.weight!, w.trainable.bias!);
    return tf.reshape(y, [c.batch, c.groups * c.outFeatures]);
  },
  allocations: (c) => groupMatmulAllocations(c.batch, c.groups, c.inFeatures, c.outFeatures, true),
};

/**
 * TensorFlow.js has no grouped convolution (tfjs#3900), so the seed's `Conv1d(groups=g)` on
 * [B, g·in, 1] becomes a dense conv1d whose kernel is block-diagonal: g× the stored weights and FLOPs.
 */
const blockDiagonalConv1d: Implementation<GroupLinearConfig> = {
  name: 'parallel.blockDiagonalConv1d',
  role: 'parallel',
  summary: "the seed's Conv1d(groups=g) on [B, g·in, 1]: a dense 1-wide convolution with a block-diagonal [g·in, g·out] kernel",
  primitive: 'Conv2D 1×1 (dense, block-diagonal kernel) + Add (bias)',
  toParallel: (w, c) => ({
    trainable: {
      kernel: blockDiagonal(
        branchNames('g', c.groups, 'weight').map((n) => tf.reshape(w.trainable[n]!, [1, 1, c.inFeatures, c.outFeatures])),
      ),
      bias: tf.concat(branchNames('g', c.groups, 'bias').map((n) => w.trainable[n]!)),
    },
    buffers: {},
  }),
  toSerial(ts, c) {
    const out: Tensors = {};
    diagonalBlocks(ts.kernel!, c.groups).forEach((block, i) => (out[`g${i}.weight`] = tf.reshape(block, [c.inFeatures, c.outFeatures])));
    tf.split(ts.bias!, c.groups).forEach((b, i) => (out[`g${i}.bias`] = b));
    return out;
  },
  forward(w, x, c) {
    // [B, g·in] as a width-1 signal with g·in channels; conv1d is this very reshape + conv2d in tfjs.
    const wide = tf.reshape(x, [c.batch, 1, 1, c.groups * c.inFeatures]);
    const y = tf.add(conv(wide, w.trainable.kernel!), w.trainable.bias!);
    return tf.reshape(y, [c.batch, c.groups * c.outFeatures]);
  },
  allocations: (c) => [c.batch * c.groups * c.outFeatures, c.batch * c.groups * c.outFeatures],
  executedFlops: (c) => 2 * c.batch * (c.groups * c.inFeatures) * (c.groups * c.outFeatures) + c.batch * c.groups * c.outFeatures,
  storedParams: (c) => c.groups * c.inFeatures * c.groups * c.outFeatures + c.groups * c.outFeatures,
};

export const groupLinear: LayerFamily<GroupLinearConfig> = {
  name: 'group-linear',
  title: 'Grouped Linear',
  summary: 'x [B, g·in] → [B, g·out]: one Linear per group slice (seed §6)',
  schema: groupLinearSchema,
  small: { batch: 3, groups: 4, inFeatures: 6, outFeatures: 5 },
  formulas: (c) => ({
    params: c.groups * c.inFeatures * c.outFeatures + c.groups * c.outFeatures,
    bufferElements: 0,
    flops: 2 * c.batch * c.groups * c.inFeatures * c.outFeatures + c.batch * c.groups * c.outFeatures,
    activationBytes: 4 * c.batch * c.groups * (c.inFeatures + c.outFeatures),
  }),
  inputShape: (c) => [c.batch, c.groups * c.inFeatures],
  outputShape: (c) => [c.batch, c.groups * c.outFeatures],
  init(c, seed) {
    const draw = new SeededInit(seed);
    const trainable: Tensors = {};
    for (let i = 0; i < c.groups; i++) {
      trainable[`g${i}.weight`] = draw.kernel([c.inFeatures, c.outFeatures], c.inFeatures);
      trainable[`g${i}.bias`] = draw.normal([c.outFeatures], 0.1);
    }
    return { trainable, buffers: {} };
  },
  implementations: [sliceLoop, batchedMatmul, blockDiagonalConv1d],
};
