import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
import { z } from 'zod';
import { tf } from '../core/tf.js';
import { requireBatchNormValues, groupedMapFields } from '../core/config.js';
import { batchNorm, batchNormParams, cloneWeights, concatBatchNorms, splitBatchNorms } from '../core/ops.js';
import { fusedBatchNorm as wgslBatchNorm, WEBGPU_ONLY } from '../kernels/webgpu/index.js';
import { SeededInit } from '../core/init.js';
import type { Implementation, LayerFamily, Tensors, WeightSet } from '../core/types.js';

/** Seed §7: one BatchNorm2d(g·C) equals g BatchNorm2d(C) on the group slices. */
export const batchnormSchema = z.object({
  ...groupedMapFields(),
});
export type BatchnormConfig = z.infer<typeof batchnormSchema>;

const sliceElements = (c: BatchnormConfig) => c.batch * c.height * c.width * c.channels;

const batchNormLoop: Implementation<BatchnormConfig> = {
  name: 'serial.batchNormLoop',
  role: 'serial',
  summary: "g BatchNorms, each on its group's channel slice, concatenated",
  primitive: 'FusedBatchNorm (moments in training)',
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward: (w, x, c, mode) =>
    tf.concat(
      Array.from({ length: c.groups }, (_, i) =>
        batchNorm(tf.slice(x, [0, 0, 0, i * c.channels], [c.batch, c.height, c.width, c.channels]), w, `g${i}.bn`, mode),
      ),
      3,
    ),
  allocations: (c) => [...Array.from({ length: c.groups }, () => [sliceElements(c), sliceElements(c)]).flat(), c.groups * sliceElements(c)],
};

const fusedBatchNorm: Implementation<BatchnormConfig> = {
  name: 'parallel.fusedBatchNorm',
  role: 'parallel',
  summary: 'one BatchNorm over all g·C channels, parameters and running statistics concatenated',
  primitive: 'FusedBatchNorm (moments in training)',
  toParallel(w, c) {
    const out: WeightSet = { trainable: {}, buffers: {} };
    concatBatchNorms(w, 'g', c.groups, 'bn', 'bn', out);
    return out;
  },
  toSerial(own, c) {
    const out: Tensors = {};
    splitBatchNorms(own, 'bn', 'g', c.groups, 'bn', out);
    return out;
  },
  forward: (w, x, _c, mode) => batchNorm(x, w, 'bn', mode),
  allocations: (c) => [c.groups * sliceElements(c)],
};

/** The serial twin of fusedBatchNormWgsl: the same WGSL BatchNorm per group slice. */
const batchNormLoopWgsl: Implementation<BatchnormConfig> = {
  name: 'serial.batchNormLoopWgsl',
  role: 'serial',
  summary: "g of Fusebench's WGSL BatchNorms, each on its group's channel slice, concatenated",
  primitive: 'WGSL BatchNorm (one-pass Welford statistics in training)',
  backends: WEBGPU_ONLY,
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward: (w, x, c, mode) =>
    tf.concat(
      Array.from({ length: c.groups }, (_, i) =>
        wgslBatchNorm(
          tf.slice(x, [0, 0, 0, i * c.channels], [c.batch, c.height, c.width, c.channels]),
          batchNormParams(w, `g${i}.bn`),
          mode,
        ),
      ),
      3,
    ),
  allocations: batchNormLoop.allocations,
};

const fusedBatchNormWgsl: Implementation<BatchnormConfig> = {
  ...fusedBatchNorm,
  name: 'parallel.fusedBatchNormWgsl',
  summary:
    'one WGSL BatchNorm over all g·C channels: one kernel in inference; in training one-pass Welford statistics, running statistics updated, WGSL backward',
  primitive: 'WGSL BatchNorm (one-pass Welford statistics in training)',
  baseline: 'serial.batchNormLoopWgsl',
  backends: WEBGPU_ONLY,
  forward: (w, x, _c, mode) => wgslBatchNorm(x, batchNormParams(w, 'bn'), mode),
};

export const batchnorm: LayerFamily<BatchnormConfig> = {
  name: 'batchnorm',
  title: 'BatchNorm per group',
  summary: '[B,H,W,g·C]: g BatchNorm2d(C) on slices versus one BatchNorm2d(g·C), as in the seed',
  schema: batchnormSchema,
  small: { batch: 3, groups: 3, channels: 4, height: 2, width: 3 },
  trainingRules: requireBatchNormValues,
  formulas: (c) => ({
    params: 2 * c.groups * c.channels,
    bufferElements: 2 * c.groups * c.channels,
    flops: 4 * c.groups * sliceElements(c),
    activationBytes: 8 * c.groups * sliceElements(c),
  }),
  inputShape: (c) => [c.batch, c.height, c.width, c.groups * c.channels],
  outputShape: (c) => [c.batch, c.height, c.width, c.groups * c.channels],
  init(c, seed) {
    const draw = new SeededInit(seed);
    const w: WeightSet = { trainable: {}, buffers: {} };
    for (let i = 0; i < c.groups; i++) draw.batchNorm(`g${i}.bn`, c.channels, w.trainable, w.buffers);
    return w;
  },
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.batchNormLoop', 'BatchNorm2d per slice', 'bns: one BatchNorm2d(C) per group slice, torch.cat'),
    torchParallel('parallel.fusedBatchNorm', 'BatchNorm2d(g·C)', 'one BatchNorm2d over all g·C channels'),
  ],
  implementations: [batchNormLoop, fusedBatchNorm, batchNormLoopWgsl, fusedBatchNormWgsl],
  pytorch: {
    input: 'feature-map',
    output: 'feature-map',
    serialModule: 'bns = ModuleList(g × BatchNorm2d(C)); torch.cat([bns[i](x[:, i·C:(i+1)·C]) for i in range(g)], dim=1)',
    serial: (c) => Array.from({ length: c.groups }, (_, i) => pt.batchNorm(`g${i}.bn`, `bns.${i}`, c.channels)).flat(),
    parallel: {
      'parallel.fusedBatchNorm': {
        via: 'parallel.fusedBatchNorm',
        module: 'bn = BatchNorm2d(g·C) (seed §7)',
        tensors: (c) => pt.batchNorm('bn', 'bn', c.groups * c.channels),
      },
    },
  },
};
