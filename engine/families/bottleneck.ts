import { z } from 'zod';
import { tf, type Tensor } from '../core/tf.js';
import { positiveInt, requireDivisible, requireBatchNormValues, groupedMapFields } from '../core/config.js';
import {
  batchNorm,
  blockDiagonal,
  branchNames,
  cloneWeights,
  concatBatchNorms,
  concatBranches,
  conv,
  diagonalBlocks,
  groupMatmul,
  groupMatmulAllocations,
  splitBatchNorms,
  splitBranches,
  unstackBranches,
} from '../core/ops.js';
import { SeededInit } from '../core/init.js';
import type { Implementation, LayerFamily, Mode, Tensors, WeightSet } from '../core/types.js';

/**
 * Seed §1: g attention bottlenecks on the same input x [B,H,W,C], each 1×1 C→P, 3×3 P→P, 1×1 P→C
 * with BatchNorm and a residual, P = C / squeeze. Output: the g results side by side [B,H,W,g·C].
 */
export const bottleneckSchema = z.object({
  ...groupedMapFields(),
  squeeze: positiveInt(2, 65_536),
});
export type BottleneckConfig = z.infer<typeof bottleneckSchema>;

/** The shapes one bottleneck needs, whichever family embeds it. */
export interface BottleneckShape {
  batch: number;
  groups: number;
  channels: number;
  height: number;
  width: number;
  squeeze: number;
}

const pixels = (c: BottleneckShape) => c.batch * c.height * c.width;
const planes = (c: BottleneckShape) => c.channels / c.squeeze;

export function bottleneckRules(c: BottleneckShape, field = 'channels'): void {
  requireDivisible(field, c.channels, 'squeeze', c.squeeze);
}

/** Serial weights `b{i}.conv1|conv2|conv3` and `b{i}.bn1|bn2|bn3.*` for every branch. */
export function initBottleneck(c: BottleneckShape, draw: SeededInit, w: WeightSet): void {
  const p = planes(c);
  for (let i = 0; i < c.groups; i++) {
    const b = `b${i}`;
    w.trainable[`${b}.conv1`] = draw.kernel([1, 1, c.channels, p], c.channels);
    draw.batchNorm(`${b}.bn1`, p, w.trainable, w.buffers);
    w.trainable[`${b}.conv2`] = draw.kernel([3, 3, p, p], 9 * p);
    draw.batchNorm(`${b}.bn2`, p, w.trainable, w.buffers);
    w.trainable[`${b}.conv3`] = draw.kernel([1, 1, p, c.channels], p);
    draw.batchNorm(`${b}.bn3`, c.channels, w.trainable, w.buffers);
  }
}

/**
 * How a serial branch computes its 3×3 and second 1×1 convolutions: Conv2D (the seed's loop), or
 * im2col + matmul, the primitives of the fused im2col form, so that form's speedup isolates fusion.
 */
export type BranchConvs = 'conv2d' | 'im2col';

/** One branch of the seed's serial loop: y_i = bottleneck_i(x), [B,H,W,C]. */
export function bottleneckBranch(w: WeightSet, i: number, x: Tensor, mode: Mode, c: BottleneckShape, convs: BranchConvs): Tensor {
  const b = `b${i}`;
  const p = planes(c);
  const one = { ...c, groups: 1 };
  const conv2 = w.trainable[`${b}.conv2`]!;
  const conv3 = w.trainable[`${b}.conv3`]!;
  let h = tf.relu(batchNorm(conv(x, w.trainable[`${b}.conv1`]!), w, `${b}.bn1`, mode));
  h = convs === 'conv2d' ? conv(h, conv2) : im2col.conv2(h, tf.reshape(conv2, [1, 9 * p, p]), one);
  h = tf.relu(batchNorm(h, w, `${b}.bn2`, mode));
  h = convs === 'conv2d' ? conv(h, conv3) : im2col.conv3(h, tf.reshape(conv3, [1, p, c.channels]), one);
  h = batchNorm(h, w, `${b}.bn3`, mode);
  return tf.relu(tf.add(h, x));
}

/** Elements one serial branch allocates (conv, BN and ReLU outputs, the residual add). */
export function branchAllocations(c: BottleneckShape, convs: BranchConvs): number[] {
  const n = pixels(c);
  const p = planes(c);
  const one = { ...c, groups: 1 };
  const conv2 = convs === 'conv2d' ? [n * p] : im2col.conv2Allocations(one);
  const conv3 = convs === 'conv2d' ? [n * c.channels] : im2col.conv3Allocations(one);
  return [n * p, n * p, n * p, ...conv2, n * p, n * p, ...conv3, n * c.channels, n * c.channels, n * c.channels];
}

function branchLoop(convs: BranchConvs): Implementation<BottleneckConfig> {
  return {
    name: convs === 'conv2d' ? 'serial.branchLoop' : 'serial.branchLoopIm2col',
    role: 'serial',
    summary:
      convs === 'conv2d'
        ? 'g separate bottlenecks on the same x, outputs concatenated along channels'
        : "the same loop with each branch's 3×3 as im2col + matmul and its last 1×1 as matmul: the im2col form's primitives, unfused",
    primitive: convs === 'conv2d' ? 'Conv2D per branch' : 'Conv2D 1×1, then im2col + BatchMatMul per branch',
    toParallel: (w) => cloneWeights(w),
    toSerial: (ts) => ({ ...ts }),
    forward: (w, x, c, mode) =>
      tf.concat(
        Array.from({ length: c.groups }, (_, i) => bottleneckBranch(w, i, x, mode, c, convs)),
        3,
      ),
    allocations: (c) => [...Array.from({ length: c.groups }, () => branchAllocations(c, convs)).flat(), pixels(c) * c.groups * c.channels],
  };
}

/** How a fused bottleneck computes its grouped 3×3 and grouped 1×1 convolutions. */
interface GroupedConvs {
  name: string;
  summary: string;
  primitive: string;
  /** The serial loop with the same primitives. */
  baseline: string;
  /** conv2 and conv3 of every branch in this layout. */
  fuse(serial: Tensors, c: BottleneckShape): { conv2: Tensor; conv3: Tensor };
  unfuse(conv2: Tensor, conv3: Tensor, c: BottleneckShape, out: Tensors): void;
  conv2(h: Tensor, kernel: Tensor, c: BottleneckShape): Tensor;
  conv3(h: Tensor, kernel: Tensor, c: BottleneckShape): Tensor;
  conv2Allocations(c: BottleneckShape): number[];
  conv3Allocations(c: BottleneckShape): number[];
  /** FLOPs of conv2 + conv3 as executed. */
  convFlops(c: BottleneckShape): number;
  storedConvParams(c: BottleneckShape): number;
}

/**
 * Grouped 3×3 as im2col + batched matmul: 9 shifted slices of the padded input, regrouped to
 * [g, B·H·W, 9P], times [g, 9P, P]; grouped 1×1 as one batched matmul [g, B·H·W, P]·[g, P, C].
 */
const im2col: GroupedConvs = {
  name: 'parallel.im2colBatchedMatmul',
  summary: 'fused bottleneck; grouped 3×3 as im2col (9 shifted slices) + batched matmul, grouped 1×1 as batched matmul',
  primitive: 'Conv2D 1×1, then im2col + BatchMatMul',
  baseline: 'serial.branchLoopIm2col',
  fuse: (s, c) => ({
    conv2: tf.stack(branchNames('b', c.groups, 'conv2').map((n) => tf.reshape(s[n]!, [9 * planes(c), planes(c)]))),
    conv3: tf.stack(branchNames('b', c.groups, 'conv3').map((n) => tf.reshape(s[n]!, [planes(c), c.channels]))),
  }),
  unfuse(conv2, conv3, c, out) {
    unstackBranches(conv2, 'b', 'conv2', [3, 3, planes(c), planes(c)], out);
    unstackBranches(conv3, 'b', 'conv3', [1, 1, planes(c), c.channels], out);
  },
  conv2(h, kernel, c) {
    const p = planes(c);
    const n = pixels(c);
    const padded = tf.pad(h, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const shifts: Tensor[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) shifts.push(tf.slice(padded, [0, i, j, 0], [c.batch, c.height, c.width, c.groups * p]));
    const patches = tf.reshape(tf.stack(shifts, 3), [n, 9, c.groups, p]);
    const byGroup = tf.reshape(tf.transpose(patches, [2, 0, 1, 3]), [c.groups, n, 9 * p]);
    const y = tf.matMul(byGroup as tf.Tensor3D, kernel as tf.Tensor3D);
    return tf.reshape(tf.transpose(y, [1, 0, 2]), [c.batch, c.height, c.width, c.groups * p]);
  },
  conv3(h, kernel, c) {
    const y = groupMatmul(tf.reshape(h, [pixels(c), c.groups, planes(c)]), kernel);
    return tf.reshape(y, [c.batch, c.height, c.width, c.groups * c.channels]);
  },
  conv2Allocations(c) {
    const gp = c.groups * planes(c);
    const n = pixels(c);
    return [
      c.batch * (c.height + 2) * (c.width + 2) * gp,
      ...Array.from({ length: 9 }, () => n * gp),
      9 * n * gp,
      9 * n * gp,
      n * gp,
      n * gp,
    ];
  },
  conv3Allocations: (c) => groupMatmulAllocations(pixels(c), c.groups, planes(c), c.channels, false),
  convFlops: (c) => c.groups * 2 * pixels(c) * (9 * planes(c) ** 2 + planes(c) * c.channels),
  storedConvParams: (c) => c.groups * (9 * planes(c) ** 2 + planes(c) * c.channels),
};

/**
 * Grouped convolutions as dense ones whose kernels are block-diagonal (TensorFlow.js has no
 * `groups`, tfjs#3900): g× the kernel memory and FLOPs, but one well-tuned conv kernel each.
 */
const blockDiag: GroupedConvs = {
  name: 'parallel.blockDiagonalConv',
  summary: 'fused bottleneck; grouped 3×3 and 1×1 as dense convolutions with block-diagonal kernels (g× the FLOPs)',
  primitive: 'Conv2D (dense, block-diagonal kernels)',
  baseline: 'serial.branchLoop',
  fuse: (s, c) => ({
    conv2: blockDiagonal(branchNames('b', c.groups, 'conv2').map((n) => s[n]!)),
    conv3: blockDiagonal(branchNames('b', c.groups, 'conv3').map((n) => s[n]!)),
  }),
  unfuse(conv2, conv3, c, out) {
    diagonalBlocks(conv2, c.groups).forEach((k, i) => (out[`b${i}.conv2`] = k));
    diagonalBlocks(conv3, c.groups).forEach((k, i) => (out[`b${i}.conv3`] = k));
  },
  conv2: (h, kernel) => conv(h, kernel),
  conv3: (h, kernel) => conv(h, kernel),
  conv2Allocations: (c) => [pixels(c) * c.groups * planes(c)],
  conv3Allocations: (c) => [pixels(c) * c.groups * c.channels],
  convFlops: (c) => 2 * pixels(c) * (9 * (c.groups * planes(c)) ** 2 + c.groups * planes(c) * c.groups * c.channels),
  storedConvParams: (c) => 9 * (c.groups * planes(c)) ** 2 + c.groups * planes(c) * c.groups * c.channels,
};

/** Serial bottleneck weights → one fused bottleneck (conv1 shared-input C→g·P, BN over g·P / g·C). */
export function fuseBottleneck(serial: WeightSet, c: BottleneckShape, convs: GroupedConvs): WeightSet {
  const out: WeightSet = { trainable: {}, buffers: {} };
  out.trainable.conv1 = concatBranches(serial.trainable, 'b', c.groups, 'conv1', 3);
  for (const bn of ['bn1', 'bn2', 'bn3']) concatBatchNorms(serial, 'b', c.groups, bn, bn, out);
  Object.assign(out.trainable, convs.fuse(serial.trainable, c));
  return out;
}

export function unfuseBottleneck(own: Tensors, c: BottleneckShape, convs: GroupedConvs): Tensors {
  const out: Tensors = {};
  splitBranches(own.conv1!, 'b', c.groups, 'conv1', 3, out);
  for (const bn of ['bn1', 'bn2', 'bn3']) splitBatchNorms(own, bn, 'b', c.groups, bn, out);
  convs.unfuse(own.conv2!, own.conv3!, c, out);
  return out;
}

/** The fused bottleneck: [B,H,W,C] → [B,H,W,g·C], residual = x repeated g times along channels. */
export function fusedBottleneckForward(w: WeightSet, x: Tensor, c: BottleneckShape, mode: Mode, convs: GroupedConvs): Tensor {
  let h = tf.relu(batchNorm(conv(x, w.trainable.conv1!), w, 'bn1', mode));
  h = tf.relu(batchNorm(convs.conv2(h, w.trainable.conv2!, c), w, 'bn2', mode));
  h = batchNorm(convs.conv3(h, w.trainable.conv3!, c), w, 'bn3', mode);
  // The residual is x once per group along channels. One Concat of g references, not Tile: tfjs's Tile
  // runs ~20× slower on wasm and cpu, which would charge a kernel choice to fusion.
  return tf.relu(
    tf.add(
      h,
      tf.concat(
        Array.from({ length: c.groups }, () => x),
        3,
      ),
    ),
  );
}

export function fusedBottleneckAllocations(c: BottleneckShape, convs: GroupedConvs): number[] {
  const n = pixels(c);
  const gp = c.groups * planes(c);
  const gc = c.groups * c.channels;
  return [
    n * gp,
    n * gp,
    n * gp,
    ...convs.conv2Allocations(c),
    n * gp,
    n * gp,
    ...convs.conv3Allocations(c),
    n * gc,
    n * gc,
    n * gc,
    n * gc,
  ];
}

/** Elementwise FLOPs of g bottlenecks: BN 4, ReLU 1, residual add 1 per element (docs/measurement.md). */
function elementwiseFlops(c: BottleneckShape): number {
  return c.groups * pixels(c) * (10 * planes(c) + 6 * c.channels);
}

export function bottleneckParams(c: BottleneckShape): number {
  const p = planes(c);
  return c.groups * (2 * c.channels * p + 9 * p * p + 4 * p + 2 * c.channels);
}

export function bottleneckFlops(c: BottleneckShape): number {
  const p = planes(c);
  return c.groups * 2 * pixels(c) * (2 * c.channels * p + 9 * p * p) + elementwiseFlops(c);
}

function conv1Params(c: BottleneckShape): number {
  return c.groups * c.channels * planes(c);
}

/** FLOPs a fused bottleneck executes (block-diagonal kernels multiply their zeros too). */
export function fusedBottleneckFlops(c: BottleneckShape, convs: GroupedConvs): number {
  return c.groups * 2 * pixels(c) * c.channels * planes(c) + convs.convFlops(c) + elementwiseFlops(c);
}

/** Trainable elements a fused bottleneck stores. */
export function fusedBottleneckParams(c: BottleneckShape, convs: GroupedConvs): number {
  return conv1Params(c) + convs.storedConvParams(c) + c.groups * (4 * planes(c) + 2 * c.channels);
}

function fused(convs: GroupedConvs): Implementation<BottleneckConfig> {
  return {
    name: convs.name,
    role: 'parallel',
    summary: convs.summary,
    primitive: convs.primitive,
    baseline: convs.baseline,
    toParallel: (w, c) => fuseBottleneck(w, c, convs),
    toSerial: (own, c) => unfuseBottleneck(own, c, convs),
    forward: (w, x, c, mode) => fusedBottleneckForward(w, x, c, mode, convs),
    allocations: (c) => fusedBottleneckAllocations(c, convs),
    executedFlops: (c) => fusedBottleneckFlops(c, convs),
    storedParams: (c) => fusedBottleneckParams(c, convs),
  };
}

export const fusedBottlenecks = { im2col, blockDiag };

export const bottleneck: LayerFamily<BottleneckConfig> = {
  name: 'bottleneck',
  title: 'Parallel bottleneck (grouped convolution)',
  summary: 'g attention bottlenecks on one input → one fused bottleneck with grouped 3×3 / 1×1 convolutions (seed §1)',
  schema: bottleneckSchema,
  small: { batch: 2, groups: 3, channels: 8, height: 5, width: 4, squeeze: 2 },
  rules: (c) => bottleneckRules(c),
  trainingRules: requireBatchNormValues,
  formulas: (c) => ({
    params: bottleneckParams(c),
    bufferElements: c.groups * (4 * planes(c) + 2 * c.channels),
    flops: bottleneckFlops(c),
    activationBytes: 4 * pixels(c) * (c.channels + c.groups * c.channels),
  }),
  inputShape: (c) => [c.batch, c.height, c.width, c.channels],
  outputShape: (c) => [c.batch, c.height, c.width, c.groups * c.channels],
  init(c, seed) {
    const w: WeightSet = { trainable: {}, buffers: {} };
    initBottleneck(c, new SeededInit(seed), w);
    return w;
  },
  implementations: [branchLoop('conv2d'), branchLoop('im2col'), fused(im2col), fused(blockDiag)],
};
