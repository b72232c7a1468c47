import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
import { z } from 'zod';
import { customGrad, tf, type Tensor } from '../core/tf.js';
import { positiveInt, positiveIntList } from '../core/config.js';
import { cloneWeights, groupMatmul, groupMatmulAllocations, linear, stackBranches, unstackBranches } from '../core/ops.js';
import { SeededInit } from '../core/init.js';
import type { Implementation, LayerFamily, Tensors } from '../core/types.js';
import { batchedLinear, WEBGPU_ONLY } from '../kernels/webgpu/index.js';

/** The seed's 40 attributes in 12 groups (ragged). */
export const SEED_CLASSES_PER_GROUP = [5, 3, 4, 2, 6, 3, 2, 4, 3, 3, 2, 3];

/** Seed §4: one Linear(gc → cc) per class; class j of group i reads x[:, i, :] of x [B, g, gc]. */
export const classLinearSchema = z.object({
  batch: positiveInt(32, 65_536),
  classesPerGroup: positiveIntList(SEED_CLASSES_PER_GROUP, 10_000, 1_024),
  groupChannels: positiveInt(512, 65_536),
  classChannels: positiveInt(64, 65_536),
});
export type ClassLinearConfig = z.infer<typeof classLinearSchema>;

/** The shapes a class-linear stage needs, whichever family embeds it. */
export interface ClassLinearShape {
  batch: number;
  classesPerGroup: number[];
  groupChannels: number;
  classChannels: number;
}

export const classCount = (c: { classesPerGroup: number[] }) => c.classesPerGroup.reduce((a, b) => a + b, 0);

/** The group each class reads, in class order: [0,0,0,0,0,1,1,1,...]. */
export function groupOfClass(classesPerGroup: number[]): number[] {
  return classesPerGroup.flatMap((n, group) => Array.from({ length: n }, () => group));
}

/**
 * x [B, g, gc] → [B, n, gc], row k being group groupOf[k]: tf.gather with a gradient that sums each
 * group's contiguous run of classes (wasm has no UnsortedSegmentSum, which gather's own gradient needs).
 */
export function gatherClassInputs(x: Tensor, classesPerGroup: number[]): Tensor {
  const spread = customGrad<[Tensor]>((input, save) => {
    save([]);
    return {
      value: tf.gather(input, groupOfClass(classesPerGroup), 1),
      gradFunc: (dy) =>
        tf.concat(
          tf.split(dy, classesPerGroup, 1).map((run) => tf.sum(run, 1, true)),
          1,
        ),
    };
  });
  return spread(x);
}

export function initClassLinear(c: ClassLinearShape, draw: SeededInit, trainable: Tensors): void {
  for (let k = 0; k < classCount(c); k++) {
    trainable[`c${k}.weight`] = draw.kernel([c.groupChannels, c.classChannels], c.groupChannels);
    trainable[`c${k}.bias`] = draw.normal([c.classChannels], 0.1);
  }
}

export const classLinearLoop: Implementation<ClassLinearShape> = {
  name: 'serial.linearPerClass',
  role: 'serial',
  summary: "one Linear per class on its group's row x[:, i, :], results stacked",
  primitive: '_FusedMatMul (matmul + bias)',
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward(w, x, c) {
    const groups = groupOfClass(c.classesPerGroup);
    const outs = groups.map((i, k) => {
      const row = tf.reshape(tf.slice(x, [0, i, 0], [c.batch, 1, c.groupChannels]), [c.batch, c.groupChannels]);
      return linear(row, w.trainable[`c${k}.weight`]!, w.trainable[`c${k}.bias`]!);
    });
    return tf.stack(outs, 1);
  },
  allocations: (c) => [
    ...Array.from({ length: classCount(c) }, () => [c.batch * c.groupChannels, c.batch * c.classChannels]).flat(),
    c.batch * classCount(c) * c.classChannels,
  ],
};

export const classLinearBatched: Implementation<ClassLinearShape> = {
  name: 'parallel.gatherBatchedMatmul',
  role: 'parallel',
  summary: "gather rows to [B, n, gc], one batched matmul with [n, gc, cc] plus bias (einsum 'bni,nio->bno')",
  primitive: 'GatherV2 + BatchMatMul + Add (bias)',
  toParallel: (w, c) => ({
    trainable: {
      weight: stackBranches(w.trainable, 'c', classCount(c), 'weight'),
      bias: tf.reshape(stackBranches(w.trainable, 'c', classCount(c), 'bias'), [classCount(c), 1, c.classChannels]),
    },
    buffers: {},
  }),
  toSerial(own, c) {
    const out: Tensors = {};
    unstackBranches(own.weight!, 'c', 'weight', [c.groupChannels, c.classChannels], out);
    unstackBranches(own.bias!, 'c', 'bias', [c.classChannels], out);
    return out;
  },
  forward: (w, x, c) => groupMatmul(gatherClassInputs(x, c.classesPerGroup), w.trainable.weight!, w.trainable.bias!),
  allocations: (c) => [
    c.batch * classCount(c) * c.groupChannels,
    ...groupMatmulAllocations(c.batch, classCount(c), c.groupChannels, c.classChannels, true),
  ],
};

/** The serial twin of gatherBatchedMatmulWgsl: the same WGSL Linear kernel once per class on its group's row. */
export const classLinearLoopWgsl: Implementation<ClassLinearShape> = {
  name: 'serial.linearPerClassWgsl',
  role: 'serial',
  summary: "one of Fusebench's WGSL Linears per class on its group's row x[:, i, :], results concatenated",
  primitive: 'WGSL tiled GEMM + bias',
  backends: WEBGPU_ONLY,
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward(w, x, c) {
    const outs = groupOfClass(c.classesPerGroup).map((i, k) => {
      const row = tf.slice(x, [0, i, 0], [c.batch, 1, c.groupChannels]);
      const weight = tf.reshape(w.trainable[`c${k}.weight`]!, [1, c.groupChannels, c.classChannels]);
      return batchedLinear(row, weight, { bias: w.trainable[`c${k}.bias`]! });
    });
    return tf.concat(outs, 1);
  },
  allocations: classLinearLoop.allocations,
};

/** The seed's einsum with its gather x[:, idx] done by the GEMM's indexing: no [B, n, gc] copy. */
export const classLinearWgsl: Implementation<ClassLinearShape> = {
  ...classLinearBatched,
  name: 'parallel.gatherBatchedMatmulWgsl',
  summary: "one WGSL tiled batched GEMM over classes, each reading its group's row in place (the gather is indexing), bias fused",
  primitive: 'WGSL tiled GEMM + bias (gather by indexing)',
  baseline: 'serial.linearPerClassWgsl',
  backends: WEBGPU_ONLY,
  forward: (w, x, c) => batchedLinear(x, w.trainable.weight!, { bias: w.trainable.bias!, classesPerGroup: c.classesPerGroup }),
  allocations: (c) => [c.batch * classCount(c) * c.classChannels],
};

export function classLinearParams(c: ClassLinearShape): number {
  return classCount(c) * (c.groupChannels * c.classChannels + c.classChannels);
}

export function classLinearFlops(c: ClassLinearShape): number {
  return c.batch * classCount(c) * (2 * c.groupChannels * c.classChannels + c.classChannels);
}

export const classLinear: LayerFamily<ClassLinearConfig> = {
  name: 'class-linear',
  title: 'Per-class Linear (einsum)',
  summary: '[B, g, gc] → [B, n, cc]: one Linear per class of a ragged grouping versus one batched matmul, as in the seed',
  schema: classLinearSchema,
  small: { batch: 3, classesPerGroup: [2, 1, 3], groupChannels: 6, classChannels: 4 },
  formulas: (c) => ({
    params: classLinearParams(c),
    bufferElements: 0,
    flops: classLinearFlops(c),
    activationBytes: 4 * c.batch * (c.classesPerGroup.length * c.groupChannels + classCount(c) * c.classChannels),
  }),
  inputShape: (c) => [c.batch, c.classesPerGroup.length, c.groupChannels],
  outputShape: (c) => [c.batch, classCount(c), c.classChannels],
  init(c, seed) {
    const trainable: Tensors = {};
    initClassLinear(c, new SeededInit(seed), trainable);
    return { trainable, buffers: {} };
  },
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.linearPerClass', 'Linear per class', 'class_fcs: one Linear per class on its group row'),
    torchParallel('parallel.gatherBatchedMatmul', 'index_select + bmm', 'gather rows, one batched matmul'),
    torchParallel('parallel.einsum', "einsum 'bni,nio->bno'", "the seed's einsum rewrite, corrected"),
  ],
  implementations: [classLinearLoop, classLinearBatched, classLinearLoopWgsl, classLinearWgsl],
  pytorch: {
    input: 'same',
    output: 'same',
    serialModule: 'class_fcs = ModuleList(n × Linear(gc, cc)); class k of group i reads x[:, i, :]; torch.stack(outputs, dim=1)',
    serial: (c) =>
      Array.from({ length: classCount(c) }, (_, k) => [
        pt.linear(`c${k}.weight`, `class_fcs.${k}.weight`, [c.groupChannels, c.classChannels]),
        pt.same(`c${k}.bias`, `class_fcs.${k}.bias`, [c.classChannels]),
      ]).flat(),
    parallel: Object.fromEntries(
      [
        ['parallel.gatherBatchedMatmul', 'x.index_select(1, idx) then torch.baddbmm with weight [n, gc, cc]'],
        ['parallel.einsum', "seed §4.4, corrected: torch.einsum('bni,nio->bno', x[:, idx], weight) + bias"],
      ].map(([name, how]) => [
        name!,
        {
          via: 'parallel.gatherBatchedMatmul',
          module: `${how}; weight [n, gc, cc], bias [n, cc]`,
          tensors: (c: ClassLinearConfig) => [
            pt.same('weight', 'weight', [classCount(c), c.groupChannels, c.classChannels]),
            pt.same('bias', 'bias', [classCount(c), 1, c.classChannels], [classCount(c), c.classChannels]),
          ],
        },
      ]),
    ),
  },
};
