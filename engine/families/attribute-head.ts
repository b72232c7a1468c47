import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
import { bottleneck as bottleneckFamily } from './bottleneck.js';
import { classLinear as classLinearFamily } from './class-linear.js';
import { classHead as classHeadFamily } from './class-head.js';
import { z } from 'zod';
import { tf, type Tensor } from '../core/tf.js';
import { ConfigError } from '../core/errors.js';
import { positiveInt, positiveIntList, requireDivisible, requireBatchNormValues } from '../core/config.js';
import { batchNorm, batchNormParams, cloneAll, conv, spatialMax, subWeights, withPrefix } from '../core/ops.js';
import { fusedBatchNorm, groupedConv, segmentedMax, WEBGPU_ONLY } from '../kernels/webgpu/index.js';
import { SeededInit } from '../core/init.js';
import type { Implementation, LayerFamily, Mode, Tensors, WeightSet } from '../core/types.js';
import {
  bottleneckBranch,
  bottleneckFlops,
  bottleneckParams,
  branchAllocations,
  fusedBottleneckAllocations,
  fusedBottleneckFlops,
  fusedBottleneckForward,
  fusedBottleneckParams,
  fusedBottlenecks,
  fuseBottleneck,
  initBottleneck,
  unfuseBottleneck,
  wgslBottleneckAllocations,
  wgslBottleneckForward,
  wgslBranch,
  type BottleneckShape,
  type BranchConvs,
} from './bottleneck.js';
import { gmpFusedMax } from './gmp.js';
import {
  SEED_CLASSES_PER_GROUP,
  classCount,
  classLinearBatched,
  classLinearFlops,
  classLinearLoop,
  classLinearLoopWgsl,
  classLinearParams,
  classLinearWgsl,
  initClassLinear,
  type ClassLinearShape,
} from './class-linear.js';
import {
  classHeadBatched,
  classHeadFlops,
  classHeadLoop,
  classHeadLoopWgsl,
  classHeadParams,
  classHeadWgsl,
  initClassHead,
  type ClassHeadShape,
} from './class-head.js';

/**
 * The seed's whole attribute head: reduce conv (1×1 in→gc + BN + ReLU) → g bottlenecks → global max
 * pooling → per-class Linear → (graph attention: not specified by the seed, left out as identity) →
 * per-class residual head. x [B,H,W,in] → logits [B, n].
 */
export const attributeHeadSchema = z.object({
  batch: positiveInt(32, 65_536),
  inChannels: positiveInt(2048, 65_536),
  groups: positiveInt(12, 1_024),
  groupChannels: positiveInt(512, 65_536),
  height: positiveInt(14, 8_192),
  width: positiveInt(14, 8_192),
  classesPerGroup: positiveIntList(SEED_CLASSES_PER_GROUP, 10_000, 1_024),
  classChannels: positiveInt(64, 65_536),
  squeeze: positiveInt(2, 65_536),
  reduction: positiveInt(2, 65_536),
});
export type AttributeHeadConfig = z.infer<typeof attributeHeadSchema>;

const parts = (c: AttributeHeadConfig) => ({
  bottleneck: {
    batch: c.batch,
    groups: c.groups,
    channels: c.groupChannels,
    height: c.height,
    width: c.width,
    squeeze: c.squeeze,
  } satisfies BottleneckShape,
  gmp: { batch: c.batch, groups: c.groups, channels: c.groupChannels, height: c.height, width: c.width },
  classLinear: {
    batch: c.batch,
    classesPerGroup: c.classesPerGroup,
    groupChannels: c.groupChannels,
    classChannels: c.classChannels,
  } satisfies ClassLinearShape,
  classHead: { batch: c.batch, classes: classCount(c), classChannels: c.classChannels, reduction: c.reduction } satisfies ClassHeadShape,
});

const pixels = (c: AttributeHeadConfig) => c.batch * c.height * c.width;

/** The reduce conv shared by every implementation: [B,H,W,in] → [B,H,W,gc]. */
function reduce(w: WeightSet, x: Tensor, mode: Mode): Tensor {
  return tf.relu(batchNorm(conv(x, w.trainable['reduce.conv']!), w, 'reduce.bn', mode));
}

const reduceAllocations = (c: AttributeHeadConfig) => [1, 1, 1].map(() => pixels(c) * c.groupChannels);

/** Weights of the stage named `prefix` (e.g. `classHead.`) as that stage's own WeightSet. */
const stage = subWeights;

function reduceWeights(w: WeightSet): WeightSet {
  const pick = (ts: Tensors) => Object.fromEntries(Object.entries(ts).filter(([k]) => k.startsWith('reduce.')));
  return { trainable: pick(w.trainable), buffers: pick(w.buffers) };
}

/**
 * The seed's serial head: the loop `y = attention_convs[i](x); y = gmp(y).view(B, C)`, then per-class
 * layers. With im2col branches it is the serial twin of the im2col form (same primitives, unfused).
 */
function serialHead(convs: BranchConvs): Implementation<AttributeHeadConfig> {
  return {
    name: convs === 'conv2d' ? 'serial.seedLoops' : 'serial.seedLoopsIm2col',
    role: 'serial',
    summary:
      convs === 'conv2d'
        ? "the seed's serial head: reduce conv, a loop of g bottleneck + max-pool branches, a Linear per class, a residual head per class"
        : "the seed's serial head with each branch's 3×3 and last 1×1 as im2col + matmul: the im2col form's primitives, unfused",
    primitive:
      convs === 'conv2d' ? 'Conv2D per branch, Max, _FusedMatMul' : 'Conv2D 1×1, im2col + BatchMatMul per branch, Max, _FusedMatMul',
    toParallel: (w) => ({ trainable: cloneAll(w.trainable), buffers: cloneAll(w.buffers) }),
    toSerial: (ts) => ({ ...ts }),
    forward(w, x, c, mode) {
      const p = parts(c);
      const r = reduce(w, x, mode);
      const bw = stage(w, 'bottleneck.');
      const pooled = tf.stack(
        Array.from({ length: c.groups }, (_, i) => spatialMax(bottleneckBranch(bw, i, r, mode, p.bottleneck, convs), mode)),
        1,
      );
      const perClass = classLinearLoop.forward(stage(w, 'classLinear.'), pooled, p.classLinear, mode);
      return classHeadLoop.forward(stage(w, 'classHead.'), perClass, p.classHead, mode);
    },
    allocations(c) {
      const p = parts(c);
      return [
        ...reduceAllocations(c),
        ...Array.from({ length: c.groups }, () => [...branchAllocations(p.bottleneck, convs), c.batch * c.groupChannels]).flat(),
        c.batch * c.groups * c.groupChannels,
        ...classLinearLoop.allocations(p.classLinear),
        ...classHeadLoop.allocations(p.classHead),
      ];
    },
    // Max over H, W of a branch's NHWC output transposes it first.
    scratch: (c) => pixels(c) * c.groupChannels,
  };
}

function parallelHead(convs: (typeof fusedBottlenecks)[keyof typeof fusedBottlenecks]): Implementation<AttributeHeadConfig> {
  return {
    name: convs.name,
    role: 'parallel',
    summary: `every stage fused: ${convs.summary}; one max + view; batched per-class Linear and head`,
    primitive: `${convs.primitive}, Max, GatherV2 + BatchMatMul`,
    baseline: convs.baseline === 'serial.branchLoopIm2col' ? 'serial.seedLoopsIm2col' : 'serial.seedLoops',
    toParallel(w, c) {
      const p = parts(c);
      const fused = fuseBottleneck(stage(w, 'bottleneck.'), p.bottleneck, convs);
      const cl = classLinearBatched.toParallel(stage(w, 'classLinear.'), p.classLinear);
      const ch = classHeadBatched.toParallel(stage(w, 'classHead.'), p.classHead);
      const r = reduceWeights(w);
      return {
        trainable: {
          ...cloneAll(r.trainable),
          ...withPrefix(fused.trainable, 'bottleneck.'),
          ...withPrefix(cl.trainable, 'classLinear.'),
          ...withPrefix(ch.trainable, 'classHead.'),
        },
        buffers: { ...cloneAll(r.buffers), ...withPrefix(fused.buffers, 'bottleneck.') },
      };
    },
    toSerial(own, c) {
      const p = parts(c);
      const sub = (prefix: string) => stage({ trainable: own, buffers: {} }, prefix).trainable;
      return {
        ...reduceWeights({ trainable: own, buffers: {} }).trainable,
        ...withPrefix(unfuseBottleneck(sub('bottleneck.'), p.bottleneck, convs), 'bottleneck.'),
        ...withPrefix(classLinearBatched.toSerial(sub('classLinear.'), p.classLinear), 'classLinear.'),
        ...withPrefix(classHeadBatched.toSerial(sub('classHead.'), p.classHead), 'classHead.'),
      };
    },
    forward(w, x, c, mode) {
      const p = parts(c);
      const r = reduce(w, x, mode);
      const fused = fusedBottleneckForward(stage(w, 'bottleneck.'), r, p.bottleneck, mode, convs);
      const pooled = gmpFusedMax.forward({ trainable: {}, buffers: {} }, fused, p.gmp, mode);
      const perClass = classLinearBatched.forward(stage(w, 'classLinear.'), pooled, p.classLinear, mode);
      return classHeadBatched.forward(stage(w, 'classHead.'), perClass, p.classHead, mode);
    },
    allocations(c) {
      const p = parts(c);
      return [
        ...reduceAllocations(c),
        ...fusedBottleneckAllocations(p.bottleneck, convs),
        ...gmpFusedMax.allocations(p.gmp),
        ...classLinearBatched.allocations(p.classLinear),
        ...classHeadBatched.allocations(p.classHead),
      ];
    },
    // One Max over H, W of the fused g·gc-channel map transposes it first.
    scratch: (c) => pixels(c) * c.groups * c.groupChannels,
    executedFlops: (c) =>
      attributeHead.formulas(c).flops - bottleneckFlops(parts(c).bottleneck) + fusedBottleneckFlops(parts(c).bottleneck, convs),
    storedParams: (c) =>
      attributeHead.formulas(c).params - bottleneckParams(parts(c).bottleneck) + fusedBottleneckParams(parts(c).bottleneck, convs),
  };
}

/** The reduce conv in WGSL: a dense 1×1 convolution (one group) and BatchNorm with ReLU fused. */
function reduceWgsl(w: WeightSet, x: Tensor, c: AttributeHeadConfig, mode: Mode): Tensor {
  const kernel = tf.reshape(w.trainable['reduce.conv']!, [1, c.inChannels, c.groupChannels]);
  return fusedBatchNorm(groupedConv(x, kernel, 1), batchNormParams(w, 'reduce.bn'), mode, { relu: true });
}

const reduceWgslAllocations = (c: AttributeHeadConfig) => [pixels(c) * c.groupChannels, pixels(c) * c.groupChannels];

/** The serial twin of fusedWgsl: the seed's loops with the same WGSL kernels per branch and per class. */
const seedLoopsWgsl: Implementation<AttributeHeadConfig> = {
  name: 'serial.seedLoopsWgsl',
  role: 'serial',
  summary:
    "the seed's serial head with Fusebench's WGSL kernels: a loop of g bottleneck + max branches, a WGSL Linear and residual head per class",
  primitive: 'WGSL direct convolution, fused BatchNorm, segmented max, tiled GEMM, per branch and class',
  backends: WEBGPU_ONLY,
  toParallel: (w) => ({ trainable: cloneAll(w.trainable), buffers: cloneAll(w.buffers) }),
  toSerial: (ts) => ({ ...ts }),
  forward(w, x, c, mode) {
    const p = parts(c);
    const r = reduceWgsl(w, x, c, mode);
    const bw = stage(w, 'bottleneck.');
    const pooled = tf.stack(
      Array.from({ length: c.groups }, (_, i) =>
        segmentedMax(tf.reshape(wgslBranch(bw, i, r, p.bottleneck, mode), [c.batch, c.height * c.width, c.groupChannels]), mode),
      ),
      1,
    );
    const perClass = classLinearLoopWgsl.forward(stage(w, 'classLinear.'), pooled, p.classLinear, mode);
    return classHeadLoopWgsl.forward(stage(w, 'classHead.'), perClass, p.classHead, mode);
  },
  allocations(c) {
    const p = parts(c);
    return [
      ...reduceWgslAllocations(c),
      ...Array.from({ length: c.groups }, () => [
        ...wgslBottleneckAllocations({ ...p.bottleneck, groups: 1 }),
        c.batch * c.groupChannels,
      ]).flat(),
      c.batch * c.groups * c.groupChannels,
      ...classLinearLoopWgsl.allocations(p.classLinear),
      ...classHeadLoopWgsl.allocations(p.classHead),
    ];
  },
};

/** Every stage fused, in WGSL: grouped convolutions, fused BatchNorms, one segmented max, gathered and batched Linears. */
const fusedWgsl: Implementation<AttributeHeadConfig> = {
  ...parallelHead(fusedBottlenecks.im2col),
  name: 'parallel.fusedWgsl',
  summary:
    'every stage fused, in WGSL: direct grouped convolutions, BatchNorms with ReLU and the residual fused, one segmented max, the per-class gather by indexing, batched Linears',
  primitive: 'WGSL direct convolution, fused BatchNorm, segmented max, tiled GEMM',
  baseline: 'serial.seedLoopsWgsl',
  backends: WEBGPU_ONLY,
  forward(w, x, c, mode) {
    const p = parts(c);
    const fused = wgslBottleneckForward(stage(w, 'bottleneck.'), reduceWgsl(w, x, c, mode), p.bottleneck, mode);
    const pooled = tf.reshape(segmentedMax(tf.reshape(fused, [c.batch, c.height * c.width, c.groups * c.groupChannels]), mode), [
      c.batch,
      c.groups,
      c.groupChannels,
    ]);
    const perClass = classLinearWgsl.forward(stage(w, 'classLinear.'), pooled, p.classLinear, mode);
    return classHeadWgsl.forward(stage(w, 'classHead.'), perClass, p.classHead, mode);
  },
  allocations(c) {
    const p = parts(c);
    return [
      ...reduceWgslAllocations(c),
      ...wgslBottleneckAllocations(p.bottleneck),
      c.batch * c.groups * c.groupChannels,
      ...classLinearWgsl.allocations(p.classLinear),
      ...classHeadWgsl.allocations(p.classHead),
    ];
  },
  // The segmented max reads the fused map in place: no transposed copy.
  scratch: undefined,
};

function reduceParams(c: AttributeHeadConfig): number {
  return c.inChannels * c.groupChannels + 2 * c.groupChannels;
}

export const attributeHead: LayerFamily<AttributeHeadConfig> = {
  name: 'attribute-head',
  title: "The seed's attribute head",
  summary:
    'reduce conv → g bottlenecks → GMP → per-class Linear → per-class residual head, serial versus fully parallel (graph attention left out: identity)',
  schema: attributeHeadSchema,
  small: {
    batch: 2,
    inChannels: 8,
    groups: 3,
    groupChannels: 4,
    height: 3,
    width: 3,
    classesPerGroup: [2, 1, 3],
    classChannels: 4,
    squeeze: 2,
    reduction: 2,
  },
  rules(c) {
    if (c.classesPerGroup.length !== c.groups) {
      throw new ConfigError(
        'config.classesPerGroup',
        `must have one entry per group (groups = ${c.groups}), got ${c.classesPerGroup.length} entries`,
      );
    }
    requireDivisible('groupChannels', c.groupChannels, 'squeeze', c.squeeze);
    requireDivisible('classChannels', c.classChannels, 'reduction', c.reduction);
  },
  trainingRules: requireBatchNormValues,
  formulas(c) {
    const p = parts(c);
    return {
      params: reduceParams(c) + bottleneckParams(p.bottleneck) + classLinearParams(p.classLinear) + classHeadParams(p.classHead),
      bufferElements: 2 * c.groupChannels + c.groups * ((4 * c.groupChannels) / c.squeeze + 2 * c.groupChannels),
      flops:
        pixels(c) * (2 * c.inChannels * c.groupChannels + 5 * c.groupChannels) +
        bottleneckFlops(p.bottleneck) +
        pixels(c) * c.groups * c.groupChannels +
        classLinearFlops(p.classLinear) +
        classHeadFlops(p.classHead),
      activationBytes: 4 * (pixels(c) * c.inChannels + c.batch * classCount(c)),
    };
  },
  inputShape: (c) => [c.batch, c.height, c.width, c.inChannels],
  outputShape: (c) => [c.batch, classCount(c)],
  init(c, seed) {
    const p = parts(c);
    const draw = new SeededInit(seed);
    const w: WeightSet = { trainable: {}, buffers: {} };
    w.trainable['reduce.conv'] = draw.kernel([1, 1, c.inChannels, c.groupChannels], c.inChannels);
    draw.batchNorm('reduce.bn', c.groupChannels, w.trainable, w.buffers);
    const b: WeightSet = { trainable: {}, buffers: {} };
    initBottleneck(p.bottleneck, draw, b);
    const cl: Tensors = {};
    initClassLinear(p.classLinear, draw, cl);
    const ch: Tensors = {};
    initClassHead(p.classHead, draw, ch);
    Object.assign(w.trainable, withPrefix(b.trainable, 'bottleneck.'), withPrefix(cl, 'classLinear.'), withPrefix(ch, 'classHead.'));
    Object.assign(w.buffers, withPrefix(b.buffers, 'bottleneck.'));
    return w;
  },
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.seedLoops', 'Conv2d per branch, AdaptiveMaxPool2d, Linear per class', "the seed's serial head"),
    torchSerial(
      'serial.seedLoopsIm2col',
      'unfold + matmul per branch, AdaptiveMaxPool2d, Linear per class',
      'the serial head with im2col branches',
    ),
    torchParallel('parallel.groupedConv', 'Conv2d(groups=g), amax, einsum', 'every stage fused: grouped Conv2d, amax + view, einsums'),
    torchParallel(
      'parallel.im2colBatchedMatmul',
      'unfold + batched matmul, amax, bmm',
      'every stage fused with the im2col bottleneck',
      'serial.seedLoopsIm2col',
    ),
    torchParallel(
      'parallel.blockDiagonalConv',
      'Conv2d (dense, block-diagonal), amax, bmm',
      'every stage fused with block-diagonal kernels',
    ),
  ],
  implementations: [
    serialHead('conv2d'),
    serialHead('im2col'),
    parallelHead(fusedBottlenecks.im2col),
    parallelHead(fusedBottlenecks.blockDiag),
    seedLoopsWgsl,
    fusedWgsl,
  ],
  pytorch: {
    input: 'feature-map',
    output: 'same',
    serialModule:
      "reduce_conv = Sequential(Conv2d(in, gc, 1), BatchNorm2d(gc), ReLU); branches (the bottleneck's), then the seed's loop gmp(branches.attention_convs[i](x)).view(B, gc); class_linear; head",
    serial: (c) => {
      const p = parts(c);
      return [
        pt.conv2d('reduce.conv', 'reduce_conv.0.weight', [1, 1, c.inChannels, c.groupChannels]),
        ...pt.batchNorm('reduce.bn', 'reduce_conv.1', c.groupChannels),
        ...pt.prefixed(bottleneckFamily.pytorch!.serial(p.bottleneck), 'bottleneck.', 'branches.'),
        ...pt.prefixed(classLinearFamily.pytorch!.serial(p.classLinear), 'classLinear.', 'class_linear.'),
        ...pt.prefixed(classHeadFamily.pytorch!.serial(p.classHead), 'classHead.', 'head.'),
      ];
    },
    parallel: Object.fromEntries(
      (
        [
          ['parallel.im2colBatchedMatmul', 'parallel.im2colBatchedMatmul', 'parallel.gatherBatchedMatmul', 'parallel.batchedMatmul'],
          ['parallel.blockDiagonalConv', 'parallel.blockDiagonalConv', 'parallel.gatherBatchedMatmul', 'parallel.batchedMatmul'],
          ['parallel.groupedConv', 'parallel.groupedConv', 'parallel.einsum', 'parallel.einsum'],
        ] as const
      ).map(([name, b, cl, ch]) => {
        const branches = bottleneckFamily.pytorch!.parallel[b]!;
        const linear = classLinearFamily.pytorch!.parallel[cl]!;
        const head = classHeadFamily.pytorch!.parallel[ch]!;
        return [
          name,
          {
            via: name === 'parallel.groupedConv' ? 'parallel.im2colBatchedMatmul' : name,
            module: `reduce_conv as in the serial head; branches: ${branches.module}; amax + view; class_linear: ${linear.module}; head: ${head.module}`,
            tensors: (c: AttributeHeadConfig) => {
              const p = parts(c);
              return [
                pt.conv2d('reduce.conv', 'reduce_conv.0.weight', [1, 1, c.inChannels, c.groupChannels]),
                ...pt.batchNorm('reduce.bn', 'reduce_conv.1', c.groupChannels),
                ...pt.prefixed(branches.tensors(p.bottleneck), 'bottleneck.', 'branches.'),
                ...pt.prefixed(linear.tensors(p.classLinear), 'classLinear.', 'class_linear.'),
                ...pt.prefixed(head.tensors(p.classHead), 'classHead.', 'head.'),
              ];
            },
          },
        ];
      }),
    ),
  },
};
