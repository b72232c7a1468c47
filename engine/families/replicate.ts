import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
import { z } from 'zod';
import { tf, type Tensor } from '../core/tf.js';
import { groupedMapFields } from '../core/config.js';
import type { Implementation, LayerFamily } from '../core/types.js';

/** Seed §1.2/§2: the residual is the input repeated once per group along channels. */
export const replicateSchema = z.object({
  ...groupedMapFields(),
});
export type ReplicateConfig = z.infer<typeof replicateSchema>;

const inputElements = (c: ReplicateConfig) => c.batch * c.height * c.width * c.channels;

const noWeights = () => ({ trainable: {}, buffers: {} });

/** The seed's loop: `residual = cat((residual, x), dim=1)` g−1 times, copying O(g²) elements. */
const concatLoop: Implementation<ReplicateConfig> = {
  name: 'serial.concatLoop',
  role: 'serial',
  summary: 'grow the tensor with one concat per group (quadratic copying, as the seed does)',
  primitive: 'Concat, g − 1 times',
  toParallel: noWeights,
  toSerial: () => ({}),
  forward(_w, x, c) {
    let out: Tensor = x;
    for (let i = 1; i < c.groups; i++) out = tf.concat([out, x], 3);
    return c.groups === 1 ? tf.clone(x) : out;
  },
  // At one group the loop returns a clone of x: an Identity kernel, which copies on wasm and webgpu.
  allocations: (c) => (c.groups === 1 ? [inputElements(c)] : Array.from({ length: c.groups - 1 }, (_, i) => (i + 2) * inputElements(c))),
};

const tile: Implementation<ReplicateConfig> = {
  name: 'parallel.tile',
  role: 'parallel',
  summary: 'one tile along channels (torch.repeat)',
  primitive: 'Tile',
  toParallel: noWeights,
  toSerial: () => ({}),
  forward: (_w, x, c) => tf.tile(x, [1, 1, 1, c.groups]),
  allocations: (c) => [c.groups * inputElements(c)],
};

const stackReshape: Implementation<ReplicateConfig> = {
  name: 'parallel.stackReshape',
  role: 'parallel',
  summary: 'stack g references on a new axis, then reshape [B,H,W,g,C] → [B,H,W,g·C]',
  primitive: 'Pack (stack) + a reshape view',
  toParallel: noWeights,
  toSerial: () => ({}),
  forward(_w, x, c) {
    const [b, h, w, ch] = x.shape as [number, number, number, number];
    return tf.reshape(
      tf.stack(
        Array.from({ length: c.groups }, () => x),
        3,
      ),
      [b, h, w, c.groups * ch],
    );
  },
  allocations: (c) => [c.groups * inputElements(c)],
};

export const replicate: LayerFamily<ReplicateConfig> = {
  name: 'replicate',
  title: 'Replicate input per group',
  summary: 'x [B,H,W,C] → [B,H,W,g·C]: the residual of the fused bottleneck (a concat loop versus one tile)',
  schema: replicateSchema,
  small: { batch: 2, groups: 4, channels: 8, height: 3, width: 5 },
  formulas: (c) => ({
    params: 0,
    bufferElements: 0,
    flops: 0,
    activationBytes: 4 * inputElements(c) * (1 + c.groups),
  }),
  inputShape: (c) => [c.batch, c.height, c.width, c.channels],
  outputShape: (c) => [c.batch, c.height, c.width, c.groups * c.channels],
  init: noWeights,
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.concatLoop', 'torch.cat, g − 1 times', 'residual = torch.cat((residual, x), dim=1) in a loop (the seed)'),
    torchParallel('parallel.tile', 'Tensor.repeat', 'x.repeat(1, g, 1, 1)'),
    torchParallel('parallel.stackReshape', 'torch.stack + a view', 'torch.stack([x] * g, dim=1).view(B, g·C, H, W)'),
    torchParallel(
      'parallel.expandReshape',
      'Tensor.expand + reshape (one copy)',
      'x.unsqueeze(1).expand(B, g, C, H, W).reshape(B, g·C, H, W)',
    ),
  ],
  implementations: [concatLoop, tile, stackReshape],
  pytorch: {
    input: 'feature-map',
    output: 'feature-map',
    serialModule: 'residual = x, then residual = torch.cat((residual, x), dim=1) g − 1 times (no weights)',
    serial: () => [],
    parallel: {
      'parallel.tile': pt.noWeights('parallel.tile', 'x.repeat(1, g, 1, 1)'),
      'parallel.stackReshape': pt.noWeights('parallel.stackReshape', 'torch.stack([x] * g, dim=1).view(B, g·C, H, W)'),
      'parallel.expandReshape': pt.noWeights('parallel.tile', 'x.unsqueeze(1).expand(B, g, C, H, W).reshape(B, g·C, H, W)'),
    },
  },
};
