import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
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
import { batchedLinear, WEBGPU_ONLY } from '../kernels/webgpu/index.js';

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

/** The serial twin of batchedMatmulWgsl: the same WGSL Linear kernel once per group slice. */
const linearLoopWgsl: Implementation<GroupLinearConfig> = {
  name: 'serial.linearLoopWgsl',
  role: 'serial',
  summary: "slice each group, Fusebench's WGSL Linear (tiled GEMM, bias fused) per group, concat the outputs",
  primitive: 'WGSL tiled GEMM + bias',
  backends: WEBGPU_ONLY,
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward(w, x, c) {
    const outs = Array.from({ length: c.groups }, (_, i) => {
      const xi = tf.reshape(tf.slice(x, [0, i * c.inFeatures], [c.batch, c.inFeatures]), [c.batch, 1, c.inFeatures]);
      const wi = tf.reshape(w.trainable[`g${i}.weight`]!, [1, c.inFeatures, c.outFeatures]);
      return tf.reshape(batchedLinear(xi, wi, { bias: w.trainable[`g${i}.bias`]! }), [c.batch, c.outFeatures]);
    });
    return tf.concat(outs, 1);
  },
  allocations: sliceLoop.allocations,
};

const batchedMatmulWgsl: Implementation<GroupLinearConfig> = {
  ...batchedMatmul,
  name: 'parallel.batchedMatmulWgsl',
  summary: "one WGSL tiled batched GEMM over the g groups with the bias fused into the store (einsum 'bgi,gio->bgo')",
  primitive: 'WGSL tiled GEMM + bias',
  baseline: 'serial.linearLoopWgsl',
  backends: WEBGPU_ONLY,
  forward: (w, x, c) =>
    tf.reshape(batchedLinear(tf.reshape(x, [c.batch, c.groups, c.inFeatures]), w.trainable.weight!, { bias: w.trainable.bias! }), [
      c.batch,
      c.groups * c.outFeatures,
    ]),
  allocations: (c) => [c.batch * c.groups * c.outFeatures],
};

export const groupLinear: LayerFamily<GroupLinearConfig> = {
  name: 'group-linear',
  title: 'Grouped Linear',
  summary: 'x [B, g·in] → [B, g·out]: one Linear per group slice, as in the seed',
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
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.linearLoop', 'Linear per group', 'fcs: one Linear per group slice, torch.cat'),
    torchParallel('parallel.batchedMatmul', 'bmm', 'one batched matmul with weight [g, in, out]'),
    torchParallel('parallel.einsum', "einsum 'bgi,gio->bgo'", "the seed's einsum rewrite, corrected"),
    torchParallel('parallel.groupedConv1d', 'Conv1d(groups=g) on [B, g·in, 1]', "the seed's Conv1d(groups) on a 3-D input"),
    torchParallel('parallel.blockDiagonalConv1d', 'Conv1d (dense, block-diagonal kernel)', 'a dense Conv1d with a block-diagonal kernel'),
  ],
  implementations: [sliceLoop, batchedMatmul, blockDiagonalConv1d, linearLoopWgsl, batchedMatmulWgsl],
  pytorch: {
    input: 'same',
    output: 'same',
    serialModule: 'fcs = ModuleList(g × Linear(in, out)); torch.cat([fcs[i](x[:, i·in:(i+1)·in]) for i in range(g)], dim=1)',
    serial: (c) =>
      Array.from({ length: c.groups }, (_, i) => [
        pt.linear(`g${i}.weight`, `fcs.${i}.weight`, [c.inFeatures, c.outFeatures]),
        pt.same(`g${i}.bias`, `fcs.${i}.bias`, [c.outFeatures]),
      ]).flat(),
    parallel: {
      ...Object.fromEntries(
        [
          ['parallel.batchedMatmul', 'x.view(B, g, in) then torch.baddbmm'],
          ['parallel.einsum', "seed §6.2's group_divided_linear: torch.einsum('bgi,gio->bgo', x.view(B, g, in), weight) + bias"],
        ].map(([name, how]) => [
          name!,
          {
            via: 'parallel.batchedMatmul',
            module: `${how}; weight [g, in, out], bias [g, out]`,
            tensors: (c: GroupLinearConfig) => [
              pt.same('weight', 'weight', [c.groups, c.inFeatures, c.outFeatures]),
              pt.same('bias', 'bias', [c.groups, 1, c.outFeatures], [c.groups, c.outFeatures]),
            ],
          },
        ]),
      ),
      'parallel.groupedConv1d': {
        via: 'parallel.batchedMatmul',
        module: "seed §6.1's fc = Conv1d(g·in, g·out, 1, groups=g), on the input made 3-D: x.unsqueeze(-1)",
        tensors: (c: GroupLinearConfig) => [
          pt.permuted(
            'weight',
            'fc.weight',
            [c.groups, c.inFeatures, c.outFeatures],
            [c.groups, c.inFeatures, c.outFeatures],
            [0, 2, 1],
            [c.groups * c.outFeatures, c.inFeatures, 1],
          ),
          pt.same('bias', 'fc.bias', [c.groups, 1, c.outFeatures], [c.groups * c.outFeatures]),
        ],
      },
      'parallel.blockDiagonalConv1d': {
        via: 'parallel.blockDiagonalConv1d',
        module: 'fc = Conv1d(g·in, g·out, 1) with a block-diagonal weight, on x.unsqueeze(-1)',
        tensors: (c: GroupLinearConfig) => {
          const [gi, go] = [c.groups * c.inFeatures, c.groups * c.outFeatures];
          return [pt.permuted('kernel', 'fc.weight', [1, 1, gi, go], [gi, go], [1, 0], [go, gi, 1]), pt.same('bias', 'fc.bias', [go])];
        },
      },
    },
  },
};
