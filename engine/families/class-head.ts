import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
import { z } from 'zod';
import { tf, type Tensor } from '../core/tf.js';
import { positiveInt, requireDivisible } from '../core/config.js';
import { cloneWeights, linear, linearAllocations, stackBranches, unstackBranches } from '../core/ops.js';
import { SeededInit } from '../core/init.js';
import type { Implementation, LayerFamily, Tensors } from '../core/types.js';
import { batchedLinear, WEBGPU_ONLY } from '../kernels/webgpu/index.js';

/**
 * Per class: ResidualLinearBlock(cc, r) = relu(fc2(relu(fc1(x))) + x), fc1 cc→cc/r, fc2 cc/r→cc
 * (the seed names it without defining it; this is Fusebench's definition), then Linear(cc, 1).
 * x [B, n, cc] → logits [B, n].
 */
export const classHeadSchema = z.object({
  batch: positiveInt(32, 65_536),
  classes: positiveInt(40, 100_000),
  classChannels: positiveInt(64, 65_536),
  reduction: positiveInt(2, 65_536),
});
export type ClassHeadConfig = z.infer<typeof classHeadSchema>;

export interface ClassHeadShape {
  batch: number;
  classes: number;
  classChannels: number;
  reduction: number;
}

const hidden = (c: ClassHeadShape) => c.classChannels / c.reduction;

/** The per-class layers, with their serial shapes [in, out] / [out]. */
function layerShapes(c: ClassHeadShape): Record<string, number[]> {
  return {
    'fc1.weight': [c.classChannels, hidden(c)],
    'fc1.bias': [hidden(c)],
    'fc2.weight': [hidden(c), c.classChannels],
    'fc2.bias': [c.classChannels],
    'out.weight': [c.classChannels, 1],
    'out.bias': [1],
  };
}

export function classHeadRules(c: ClassHeadShape): void {
  requireDivisible('classChannels', c.classChannels, 'reduction', c.reduction);
}

export function initClassHead(c: ClassHeadShape, draw: SeededInit, trainable: Tensors): void {
  for (let k = 0; k < c.classes; k++) {
    for (const [name, shape] of Object.entries(layerShapes(c))) {
      trainable[`c${k}.${name}`] = name.endsWith('bias') ? draw.normal(shape, 0.1) : draw.kernel(shape, shape[0]!);
    }
  }
}

/** The residual block and logit on x of shape [..., cc]; weights batched or not alike. */
function residualLogit(x: Tensor, get: (name: string) => Tensor): Tensor {
  const h = linear(x, get('fc1.weight'), get('fc1.bias'), 'relu');
  const y = tf.relu(tf.add(linear(h, get('fc2.weight'), get('fc2.bias')), x));
  return linear(y, get('out.weight'), get('out.bias'));
}

function residualLogitAllocations(rows: number, c: ClassHeadShape, biasRank: number): number[] {
  return [
    ...linearAllocations(rows * hidden(c), biasRank, 'relu'),
    ...linearAllocations(rows * c.classChannels, biasRank),
    rows * c.classChannels,
    rows * c.classChannels,
    ...linearAllocations(rows, biasRank),
  ];
}

export const classHeadLoop: Implementation<ClassHeadShape> = {
  name: 'serial.blockPerClass',
  role: 'serial',
  summary: 'per class: ResidualLinearBlock then Linear(cc, 1) on its row, logits concatenated',
  primitive: '_FusedMatMul (matmul + bias, ReLU)',
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward(w, x, c) {
    const logits = Array.from({ length: c.classes }, (_, k) => {
      const row = tf.reshape(tf.slice(x, [0, k, 0], [c.batch, 1, c.classChannels]), [c.batch, c.classChannels]);
      return residualLogit(row, (name) => w.trainable[`c${k}.${name}`]!);
    });
    return tf.concat(logits, 1);
  },
  allocations: (c) => [
    ...Array.from({ length: c.classes }, () => [c.batch * c.classChannels, ...residualLogitAllocations(c.batch, c, 1)]).flat(),
    c.batch * c.classes,
  ],
};

export const classHeadBatched: Implementation<ClassHeadShape> = {
  name: 'parallel.batchedMatmul',
  role: 'parallel',
  summary: 'the same layers batched over classes: weights stacked [n, in, out], biases [n, 1, out]',
  primitive: 'BatchMatMul + Add (bias), ReLU',
  toParallel(w, c) {
    const trainable: Tensors = {};
    for (const [name, shape] of Object.entries(layerShapes(c))) {
      const stacked = stackBranches(w.trainable, 'c', c.classes, name);
      trainable[name] = name.endsWith('bias') ? tf.reshape(stacked, [c.classes, 1, shape[0]!]) : stacked;
    }
    return { trainable, buffers: {} };
  },
  toSerial(own, c) {
    const out: Tensors = {};
    for (const [name, shape] of Object.entries(layerShapes(c))) unstackBranches(own[name]!, 'c', name, shape, out);
    return out;
  },
  forward(w, x, c) {
    const byClass = tf.transpose(x, [1, 0, 2]);
    const logits = residualLogit(byClass, (name) => w.trainable[name]!);
    return tf.transpose(tf.reshape(logits, [c.classes, c.batch]));
  },
  allocations: (c) => [c.batch * c.classes * c.classChannels, ...residualLogitAllocations(c.batch * c.classes, c, 3), c.batch * c.classes],
};

/**
 * The residual block and logit in WGSL on x [B, G, cc] with G weight sets [G, in, out]: bias, ReLU and
 * the residual fused into each GEMM's store; no transposes (the kernel indexes x as it lies).
 */
function residualLogitWgsl(x: Tensor, get: (name: string) => Tensor, c: ClassHeadShape, classes: number): Tensor {
  const h = batchedLinear(x, get('fc1.weight'), { bias: get('fc1.bias'), relu: true });
  const y = batchedLinear(h, get('fc2.weight'), { bias: get('fc2.bias'), residual: x, relu: true });
  return tf.reshape(batchedLinear(y, get('out.weight'), { bias: get('out.bias') }), [c.batch, classes]);
}

const residualLogitWgslAllocations = (c: ClassHeadShape, classes: number) => [
  c.batch * classes * hidden(c),
  c.batch * classes * c.classChannels,
  c.batch * classes,
];

/** The serial twin of batchedMatmulWgsl: the same WGSL kernels once per class. */
export const classHeadLoopWgsl: Implementation<ClassHeadShape> = {
  name: 'serial.blockPerClassWgsl',
  role: 'serial',
  summary: "per class: the ResidualLinearBlock and Linear(cc, 1) with Fusebench's WGSL Linear kernels, logits concatenated",
  primitive: 'WGSL tiled GEMM + bias, ReLU, residual',
  backends: WEBGPU_ONLY,
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward(w, x, c) {
    const shapes = layerShapes(c);
    const logits = Array.from({ length: c.classes }, (_, k) => {
      const row = tf.slice(x, [0, k, 0], [c.batch, 1, c.classChannels]);
      // Serial weights [in, out] as one batch entry [1, in, out].
      const get = (name: string) => {
        const t = w.trainable[`c${k}.${name}`]!;
        return name.endsWith('weight') ? tf.reshape(t, [1, ...shapes[name]!]) : t;
      };
      return residualLogitWgsl(row, get, c, 1);
    });
    return tf.concat(logits, 1);
  },
  allocations: (c) => [
    ...Array.from({ length: c.classes }, () => [c.batch * c.classChannels, ...residualLogitWgslAllocations(c, 1)]).flat(),
    c.batch * c.classes,
  ],
};

export const classHeadWgsl: Implementation<ClassHeadShape> = {
  ...classHeadBatched,
  name: 'parallel.batchedMatmulWgsl',
  summary: 'the same layers batched over classes in WGSL tiled GEMMs, with bias, ReLU and the residual fused; no transposes',
  primitive: 'WGSL tiled GEMM + bias, ReLU, residual',
  baseline: 'serial.blockPerClassWgsl',
  backends: WEBGPU_ONLY,
  forward: (w, x, c) => residualLogitWgsl(x, (name) => w.trainable[name]!, c, c.classes),
  allocations: (c) => residualLogitWgslAllocations(c, c.classes),
};

export function classHeadParams(c: ClassHeadShape): number {
  const cc = c.classChannels;
  return c.classes * ((2 * cc * cc) / c.reduction + cc / c.reduction + 2 * cc + 1);
}

/** Multiply-adds 2, bias adds, ReLUs and the residual add 1 per element (docs/measurement.md). */
export function classHeadFlops(c: ClassHeadShape): number {
  const cc = c.classChannels;
  const h = hidden(c);
  return c.batch * c.classes * (4 * cc * h + 2 * h + 5 * cc + 1);
}

export const classHead: LayerFamily<ClassHeadConfig> = {
  name: 'class-head',
  title: 'Per-class residual head',
  summary: '[B, n, cc] → [B, n]: per-class ResidualLinearBlock + Linear(cc, 1) versus the same layers batched over classes',
  schema: classHeadSchema,
  small: { batch: 3, classes: 4, classChannels: 6, reduction: 2 },
  rules: classHeadRules,
  formulas: (c) => ({
    params: classHeadParams(c),
    bufferElements: 0,
    flops: classHeadFlops(c),
    activationBytes: 4 * c.batch * c.classes * (c.classChannels + 1),
  }),
  inputShape: (c) => [c.batch, c.classes, c.classChannels],
  outputShape: (c) => [c.batch, c.classes],
  init(c, seed) {
    const trainable: Tensors = {};
    initClassHead(c, new SeededInit(seed), trainable);
    return { trainable, buffers: {} };
  },
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.blockPerClass', 'Linear per class', 'fcs: ResidualLinearBlock + Linear(cc, 1) per class'),
    torchParallel('parallel.batchedMatmul', 'bmm', 'the same layers batched over classes'),
    torchParallel('parallel.einsum', 'einsum', 'the same layers as einsums over classes'),
  ],
  implementations: [classHeadLoop, classHeadBatched, classHeadLoopWgsl, classHeadWgsl],
  pytorch: {
    input: 'same',
    output: 'same',
    serialModule:
      'fcs = ModuleList(n × Sequential(ResidualLinearBlock(cc, r) with fc1, fc2; Linear(cc, 1))); torch.cat([fcs[k](x[:, k, :])], dim=1)',
    serial: (c) =>
      Array.from({ length: c.classes }, (_, k) => {
        const [e, m, h] = [`c${k}`, `fcs.${k}`, hidden(c)];
        return [
          pt.linear(`${e}.fc1.weight`, `${m}.0.fc1.weight`, [c.classChannels, h]),
          pt.same(`${e}.fc1.bias`, `${m}.0.fc1.bias`, [h]),
          pt.linear(`${e}.fc2.weight`, `${m}.0.fc2.weight`, [h, c.classChannels]),
          pt.same(`${e}.fc2.bias`, `${m}.0.fc2.bias`, [c.classChannels]),
          pt.linear(`${e}.out.weight`, `${m}.1.weight`, [c.classChannels, 1]),
          pt.same(`${e}.out.bias`, `${m}.1.bias`, [1]),
        ];
      }).flat(),
    parallel: Object.fromEntries(
      [
        ['parallel.batchedMatmul', 'torch.baddbmm over classes'],
        ['parallel.einsum', "torch.einsum('bni,nio->bno')"],
      ].map(([name, how]) => [
        name!,
        {
          via: 'parallel.batchedMatmul',
          module: `${how}; fc1.weight [n, cc, cc/r], fc2.weight [n, cc/r, cc], out.weight [n, cc], biases [n, out]`,
          tensors: (c: ClassHeadConfig) => {
            const [n, cc, h] = [c.classes, c.classChannels, hidden(c)];
            return [
              pt.same('fc1.weight', 'fc1.weight', [n, cc, h]),
              pt.same('fc1.bias', 'fc1.bias', [n, 1, h], [n, h]),
              pt.same('fc2.weight', 'fc2.weight', [n, h, cc]),
              pt.same('fc2.bias', 'fc2.bias', [n, 1, cc], [n, cc]),
              pt.same('out.weight', 'out.weight', [n, cc, 1], [n, cc]),
              pt.same('out.bias', 'out.bias', [n, 1, 1], [n]),
            ];
          },
        },
      ]),
    ),
  },
};
