import { torchParallel, torchSerial } from '../core/torch-implementations.js';
import { pt } from '../core/pytorch-layout.js';
import { z } from 'zod';
import { tf, type Tensor } from '../core/tf.js';
import { positiveInt, requireDivisible, requireBatchNormValues, groupedMapFields } from '../core/config.js';
import {
  batchNorm,
  batchNormParams,
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
import { fusedBatchNorm, groupedConv, WEBGPU_ONLY } from '../kernels/webgpu/index.js';
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

/** The fused bottleneck in WGSL (engine/kernels/webgpu/): direct grouped convolutions, BatchNorm with ReLU and residual fused. */
export function wgslBottleneckForward(w: WeightSet, x: Tensor, c: BottleneckShape, mode: Mode): Tensor {
  const bn = (name: string) => batchNormParams(w, name);
  const conv1 = tf.reshape(w.trainable.conv1!, [1, c.channels, c.groups * planes(c)]);
  let h = fusedBatchNorm(groupedConv(x, conv1, 1), bn('bn1'), mode, { relu: true });
  h = fusedBatchNorm(groupedConv(h, w.trainable.conv2!, 3), bn('bn2'), mode, { relu: true });
  // The residual is x itself: the last BatchNorm adds channel c mod C of x to fused channel c.
  return fusedBatchNorm(groupedConv(h, w.trainable.conv3!, 1), bn('bn3'), mode, { residual: x, relu: true });
}

/** Per convolution its output and its BatchNorm's; the residual is never materialised. */
export function wgslBottleneckAllocations(c: BottleneckShape): number[] {
  const n = pixels(c);
  return [
    n * c.groups * planes(c),
    n * c.groups * planes(c),
    n * c.groups * planes(c),
    n * c.groups * planes(c),
    n * c.groups * c.channels,
    n * c.groups * c.channels,
  ];
}

/** One serial branch in WGSL: the same kernels at groups = 1, so the fused WGSL form's speedup isolates fusion. */
export function wgslBranch(w: WeightSet, i: number, x: Tensor, c: BottleneckShape, mode: Mode): Tensor {
  const b = `b${i}`;
  const p = planes(c);
  const bn = (name: string) => batchNormParams(w, `${b}.${name}`);
  let h = fusedBatchNorm(groupedConv(x, tf.reshape(w.trainable[`${b}.conv1`]!, [1, c.channels, p]), 1), bn('bn1'), mode, { relu: true });
  h = fusedBatchNorm(groupedConv(h, tf.reshape(w.trainable[`${b}.conv2`]!, [1, 9 * p, p]), 3), bn('bn2'), mode, { relu: true });
  const y = groupedConv(h, tf.reshape(w.trainable[`${b}.conv3`]!, [1, p, c.channels]), 1);
  return fusedBatchNorm(y, bn('bn3'), mode, { residual: x, relu: true });
}

const branchLoopWgsl: Implementation<BottleneckConfig> = {
  name: 'serial.branchLoopWgsl',
  role: 'serial',
  summary: "the seed's loop of g bottlenecks with Fusebench's WGSL kernels (direct convolution, fused BatchNorm), outputs concatenated",
  primitive: 'WGSL direct convolution (tiled GEMM) + fused BatchNorm, per branch',
  backends: WEBGPU_ONLY,
  toParallel: (w) => cloneWeights(w),
  toSerial: (ts) => ({ ...ts }),
  forward: (w, x, c, mode) =>
    tf.concat(
      Array.from({ length: c.groups }, (_, i) => wgslBranch(w, i, x, c, mode)),
      3,
    ),
  allocations: (c) => [
    ...Array.from({ length: c.groups }, () => wgslBottleneckAllocations({ ...c, groups: 1 })).flat(),
    // Concat of a single branch is a clone, no copy.
    ...(c.groups > 1 ? [pixels(c) * c.groups * c.channels] : []),
  ],
};

const groupedConvWgsl: Implementation<BottleneckConfig> = {
  name: 'parallel.groupedConvWgsl',
  role: 'parallel',
  summary:
    'fused bottleneck in WGSL: direct grouped 3×3 and 1×1 convolutions (no im2col, no block-diagonal zeros), BatchNorm with ReLU and the g-fold residual fused in',
  primitive: 'WGSL direct convolution (tiled GEMM) + fused BatchNorm',
  baseline: 'serial.branchLoopWgsl',
  backends: WEBGPU_ONLY,
  toParallel: (w, c) => fuseBottleneck(w, c, im2col),
  toSerial: (own, c) => unfuseBottleneck(own, c, im2col),
  forward: (w, x, c, mode) => wgslBottleneckForward(w, x, c, mode),
  allocations: wgslBottleneckAllocations,
};

export const bottleneck: LayerFamily<BottleneckConfig> = {
  name: 'bottleneck',
  title: 'Parallel bottleneck (grouped convolution)',
  summary: 'g attention bottlenecks on one input → one fused bottleneck with grouped 3×3 / 1×1 convolutions, as in the seed',
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
  // What the PyTorch worker runs (engine/torch/families.py; checked against its own list when it starts).
  torch: [
    torchSerial('serial.branchLoop', 'Conv2d per branch', "g of the seed's AttentionBottleneck on the same x, torch.cat"),
    torchSerial(
      'serial.branchLoopIm2col',
      'Conv2d 1×1, then unfold + matmul per branch',
      'the same loop with the 3×3 and last 1×1 as im2col + matmul',
    ),
    torchParallel(
      'parallel.groupedConv',
      'Conv2d(groups=g)',
      "the seed's Parallel_Bottleneck with groups corrected: grouped Conv2d (cuDNN)",
    ),
    torchParallel(
      'parallel.im2colBatchedMatmul',
      'Conv2d 1×1, then unfold + batched matmul',
      'grouped 3×3 as unfold + one batched matmul',
      'serial.branchLoopIm2col',
    ),
    torchParallel('parallel.blockDiagonalConv', 'Conv2d (dense, block-diagonal kernels)', 'dense convolutions with block-diagonal kernels'),
  ],
  implementations: [branchLoop('conv2d'), branchLoop('im2col'), fused(im2col), fused(blockDiag), branchLoopWgsl, groupedConvWgsl],
  pytorch: {
    input: 'feature-map',
    output: 'feature-map',
    serialModule:
      "attention_convs = ModuleList(g × the seed's AttentionBottleneck(C, P)); torch.cat([b(x) for b in attention_convs], dim=1)",
    serial: (c) =>
      Array.from({ length: c.groups }, (_, i) => {
        const [b, m, p] = [`b${i}`, `attention_convs.${i}`, planes(c)];
        return [
          pt.conv2d(`${b}.conv1`, `${m}.conv1.weight`, [1, 1, c.channels, p]),
          ...pt.batchNorm(`${b}.bn1`, `${m}.bn1`, p),
          pt.conv2d(`${b}.conv2`, `${m}.conv2.weight`, [3, 3, p, p]),
          ...pt.batchNorm(`${b}.bn2`, `${m}.bn2`, p),
          pt.conv2d(`${b}.conv3`, `${m}.conv3.weight`, [1, 1, p, c.channels]),
          ...pt.batchNorm(`${b}.bn3`, `${m}.bn3`, c.channels),
        ];
      }).flat(),
    parallel: Object.fromEntries(
      (
        [
          ['parallel.im2colBatchedMatmul', 'parallel.im2colBatchedMatmul', 'grouped'],
          ['parallel.groupedConv', 'parallel.im2colBatchedMatmul', 'grouped'],
          ['parallel.blockDiagonalConv', 'parallel.blockDiagonalConv', 'dense'],
        ] as const
      ).map(([name, via, kind]) => [
        name,
        {
          via,
          module:
            kind === 'grouped'
              ? "the seed's Parallel_Bottleneck, groups corrected: conv1 Conv2d(C, g·P, 1), conv2 Conv2d(g·P, g·P, 3, groups=g), conv3 Conv2d(g·P, g·C, 1, groups=g), bn1/bn2/bn3 BatchNorm2d(g·P / g·P / g·C)"
              : 'a fused bottleneck with dense convolutions whose kernels are block-diagonal: conv2 Conv2d(g·P, g·P, 3), conv3 Conv2d(g·P, g·C, 1)',
          tensors: (c: BottleneckConfig) => {
            const [g, p, ch] = [c.groups, planes(c), c.channels];
            return [
              pt.conv2d('conv1', 'conv1.weight', [1, 1, ch, g * p]),
              ...pt.batchNorm('bn1', 'bn1', g * p),
              kind === 'grouped'
                ? pt.groupedConv2d('conv2', 'conv2.weight', g, 3, 3, p, p)
                : pt.conv2d('conv2', 'conv2.weight', [3, 3, g * p, g * p]),
              ...pt.batchNorm('bn2', 'bn2', g * p),
              kind === 'grouped'
                ? pt.groupedConv2d('conv3', 'conv3.weight', g, 1, 1, p, ch)
                : pt.conv2d('conv3', 'conv3.weight', [1, 1, g * p, g * ch]),
              ...pt.batchNorm('bn3', 'bn3', g * ch),
            ];
          },
        },
      ]),
    ),
  },
};
