import { z } from 'zod';
import { tf, type Tensor } from '../core/tf.js';
import { ConfigError } from '../core/errors.js';
import { positiveInt, positiveIntList, requireDivisible, requireBatchNormValues } from '../core/config.js';
import { batchNorm, cloneAll, conv, subWeights, withPrefix } from '../core/ops.js';
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
  classLinearParams,
  initClassLinear,
  type ClassLinearShape,
} from './class-linear.js';
import { classHeadBatched, classHeadFlops, classHeadLoop, classHeadParams, initClassHead, type ClassHeadShape } from './class-head.js';

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
        Array.from({ length: c.groups }, (_, i) => tf.max(bottleneckBranch(bw, i, r, mode, p.bottleneck, convs), [1, 2])),
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
  implementations: [
    serialHead('conv2d'),
    serialHead('im2col'),
    parallelHead(fusedBottlenecks.im2col),
    parallelHead(fusedBottlenecks.blockDiag),
  ],
};
