import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
import { z } from 'zod';
import { tf } from '../core/tf.js';
import { groupedMapFields } from '../core/config.js';
import { spatialMax } from '../core/ops.js';
import type { Implementation, LayerFamily } from '../core/types.js';
import { segmentedMax, WEBGPU_ONLY } from '../kernels/webgpu/index.js';

/** Seed §3: AdaptiveMaxPool2d(1) + view per group: [B,H,W,g·C] → [B,g,C], group-major channels. */
export const gmpSchema = z.object({
  ...groupedMapFields(),
});
export type GmpConfig = z.infer<typeof gmpSchema>;

const noWeights = () => ({ trainable: {}, buffers: {} });
const inputElements = (c: GmpConfig) => c.batch * c.height * c.width * c.groups * c.channels;

export const gmpSliceLoop: Implementation<GmpConfig> = {
  name: 'serial.sliceMaxLoop',
  role: 'serial',
  summary: "slice each group's channels, global max over H×W, stack the g results",
  primitive: 'Max over H, W (a reduction)',
  toParallel: noWeights,
  toSerial: () => ({}),
  forward: (_w, x, c, mode) =>
    tf.stack(
      Array.from({ length: c.groups }, (_, i) =>
        spatialMax(tf.slice(x, [0, 0, 0, i * c.channels], [c.batch, c.height, c.width, c.channels]), mode),
      ),
      1,
    ),
  allocations: (c) => [
    ...Array.from({ length: c.groups }, () => [c.batch * c.height * c.width * c.channels, c.batch * c.channels]).flat(),
    c.batch * c.groups * c.channels,
  ],
  // Max over H, W of NHWC transposes its input so the reduced axes are innermost: one slice's worth.
  scratch: (c) => c.batch * c.height * c.width * c.channels,
};

export const gmpFusedMax: Implementation<GmpConfig> = {
  name: 'parallel.fusedMax',
  role: 'parallel',
  summary: 'one max over H×W of all g·C channels, reshaped to [B, g, C] (row-major view)',
  primitive: 'Max over H, W (a reduction)',
  toParallel: noWeights,
  toSerial: () => ({}),
  forward: (_w, x, c, mode) => tf.reshape(spatialMax(x, mode), [c.batch, c.groups, c.channels]),
  allocations: (c) => [c.batch * c.groups * c.channels],
  // Max over H, W of NHWC transposes its whole input first.
  scratch: inputElements,
};

/** The serial twin of maxPoolReshape: the same MaxPool kernel per group slice, so its speedup isolates fusion. */
const sliceMaxPoolLoop: Implementation<GmpConfig> = {
  name: 'serial.sliceMaxPoolLoop',
  role: 'serial',
  summary: "slice each group's channels, one H×W max-pool window each (AdaptiveMaxPool2d(1) per branch), stack the g results",
  primitive: 'MaxPool (one H×W window)',
  toParallel: noWeights,
  toSerial: () => ({}),
  forward: (_w, x, c) =>
    tf.stack(
      Array.from({ length: c.groups }, (_, i) =>
        tf.reshape(
          tf.maxPool(
            tf.slice(x, [0, 0, 0, i * c.channels], [c.batch, c.height, c.width, c.channels]) as tf.Tensor4D,
            [c.height, c.width],
            1,
            'valid',
          ),
          [c.batch, c.channels],
        ),
      ),
      1,
    ),
  allocations: (c) => [
    ...Array.from({ length: c.groups }, () => [c.batch * c.height * c.width * c.channels, c.batch * c.channels]).flat(),
    c.batch * c.groups * c.channels,
  ],
};

const maxPoolReshape: Implementation<GmpConfig> = {
  name: 'parallel.maxPoolReshape',
  role: 'parallel',
  summary: 'one H×W max-pool window over all g·C channels (AdaptiveMaxPool2d(1)), reshaped to [B, g, C]',
  primitive: 'MaxPool (one H×W window)',
  baseline: 'serial.sliceMaxPoolLoop',
  toParallel: noWeights,
  toSerial: () => ({}),
  forward: (_w, x, c) => tf.reshape(tf.maxPool(x as tf.Tensor4D, [c.height, c.width], 1, 'valid'), [c.batch, c.groups, c.channels]),
  allocations: (c) => [c.batch * c.groups * c.channels],
};

/** The serial twin of segmentedMaxWgsl: the same WGSL max kernel per group slice, so its speedup isolates fusion. */
const sliceMaxLoopWgsl: Implementation<GmpConfig> = {
  name: 'serial.sliceMaxLoopWgsl',
  role: 'serial',
  summary: "slice each group's channels, Fusebench's WGSL global max over H×W each, stack the g results",
  primitive: 'WGSL segmented max (argmax kept in training)',
  backends: WEBGPU_ONLY,
  toParallel: noWeights,
  toSerial: () => ({}),
  forward: (_w, x, c, mode) =>
    tf.stack(
      Array.from({ length: c.groups }, (_, i) =>
        segmentedMax(
          tf.reshape(tf.slice(x, [0, 0, 0, i * c.channels], [c.batch, c.height, c.width, c.channels]), [
            c.batch,
            c.height * c.width,
            c.channels,
          ]),
          mode,
        ),
      ),
      1,
    ),
  allocations: (c) => [
    ...Array.from({ length: c.groups }, () => [c.batch * c.height * c.width * c.channels, c.batch * c.channels]).flat(),
    c.batch * c.groups * c.channels,
  ],
};

const segmentedMaxWgsl: Implementation<GmpConfig> = {
  name: 'parallel.segmentedMaxWgsl',
  role: 'parallel',
  summary: "one WGSL pass over [B, H·W, g·C]: every group's max at once, the [B, g, C] result a view (argmax kept for backward)",
  primitive: 'WGSL segmented max (argmax kept in training)',
  baseline: 'serial.sliceMaxLoopWgsl',
  backends: WEBGPU_ONLY,
  toParallel: noWeights,
  toSerial: () => ({}),
  forward: (_w, x, c, mode) =>
    tf.reshape(segmentedMax(tf.reshape(x, [c.batch, c.height * c.width, c.groups * c.channels]), mode), [c.batch, c.groups, c.channels]),
  allocations: (c) => [c.batch * c.groups * c.channels],
};

export const gmp: LayerFamily<GmpConfig> = {
  name: 'gmp',
  title: 'Global max pooling per group',
  summary: '[B,H,W,g·C] → [B,g,C]: a max-pool per group slice versus one fused max and a view, as in the seed',
  schema: gmpSchema,
  small: { batch: 2, groups: 3, channels: 4, height: 3, width: 5 },
  formulas: (c) => ({
    params: 0,
    bufferElements: 0,
    flops: inputElements(c),
    activationBytes: 4 * (inputElements(c) + c.batch * c.groups * c.channels),
  }),
  inputShape: (c) => [c.batch, c.height, c.width, c.groups * c.channels],
  outputShape: (c) => [c.batch, c.groups, c.channels],
  init: noWeights,
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.sliceMaxLoop', 'amax over H, W', 'x[:, i·C:(i+1)·C].amax((2, 3)) per group, torch.stack'),
    torchSerial('serial.sliceMaxPoolLoop', 'AdaptiveMaxPool2d(1)', 'AdaptiveMaxPool2d(1) per group slice, torch.stack'),
    torchParallel('parallel.fusedMax', 'amax over H, W', 'x.amax((2, 3)).view(B, g, C)'),
    torchParallel('parallel.maxPoolReshape', 'AdaptiveMaxPool2d(1)', 'AdaptiveMaxPool2d(1)(x).view(B, g, C)', 'serial.sliceMaxPoolLoop'),
  ],
  implementations: [gmpSliceLoop, sliceMaxPoolLoop, gmpFusedMax, maxPoolReshape, sliceMaxLoopWgsl, segmentedMaxWgsl],
  pytorch: {
    input: 'feature-map',
    output: 'same',
    serialModule: 'torch.stack([x[:, i·C:(i+1)·C].amax((2, 3)) for i in range(g)], dim=1) (no weights)',
    serial: () => [],
    parallel: {
      'parallel.fusedMax': pt.noWeights('parallel.fusedMax', 'x.amax((2, 3)).view(B, g, C)'),
      'parallel.maxPoolReshape': pt.noWeights('parallel.maxPoolReshape', 'AdaptiveMaxPool2d(1)(x).view(B, g, C)'),
    },
  },
};
