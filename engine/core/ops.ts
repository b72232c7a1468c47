import { customGrad, tf, type Tensor } from './tf.js';
import type { Mode, Tensors, WeightSet } from './types.js';

/** BatchNorm epsilon, as PyTorch's default. */
export const BN_EPSILON = 1e-5;

/** The four tensors of a BatchNorm named `prefix` in a weight set. */
export function batchNormParams(w: WeightSet, prefix: string) {
  return {
    gamma: w.trainable[`${prefix}.gamma`]!,
    beta: w.trainable[`${prefix}.beta`]!,
    mean: w.buffers[`${prefix}.mean`]!,
    variance: w.buffers[`${prefix}.variance`]!,
  };
}

/** BatchNorm momentum for the running statistics, as PyTorch's default. */
export const BN_MOMENTUM = 0.1;

/**
 * BatchNorm over the last (channel) axis. Inference uses running statistics; training uses the
 * batch's own (biased variance, as PyTorch normalises) and, where the running statistics are
 * variables (a training session, engine/core/run.ts), updates them as PyTorch does: momentum 0.1, the
 * unbiased variance for the running estimate.
 */
export function batchNorm(x: Tensor, w: WeightSet, prefix: string, mode: Mode): Tensor {
  const p = batchNormParams(w, prefix);
  if (mode === 'training') {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    updateRunningStatistics(p.mean, p.variance, mean, variance, x.size / x.shape[x.shape.length - 1]!);
    return tf.batchNorm(x, mean, variance, p.beta, p.gamma, BN_EPSILON);
  }
  return tf.batchNorm(x, p.mean, p.variance, p.beta, p.gamma, BN_EPSILON);
}

function updateRunningStatistics(runningMean: Tensor, runningVariance: Tensor, mean: Tensor, variance: Tensor, n: number): void {
  if (!(runningMean instanceof tf.Variable) || !(runningVariance instanceof tf.Variable)) return;
  const unbiased = n > 1 ? n / (n - 1) : 1;
  runningMean.assign(tf.add(tf.mul(runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
  runningVariance.assign(tf.add(tf.mul(runningVariance, 1 - BN_MOMENTUM), tf.mul(variance, BN_MOMENTUM * unbiased)));
}

/**
 * Stride-1 'same' convolution, NHWC input and [kh, kw, in, out] kernel (odd sizes), as PyTorch's
 * Conv2d(bias=False). The wasm backend has no Conv2DBackpropFilter kernel, so where it is missing the
 * filter gradient is computed as im2col(x)ᵀ · dy with the backend's own matmul (see convFilterGrad).
 */
export function conv(x: Tensor, kernel: Tensor): Tensor {
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) {
    return tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same');
  }
  const withFilterGrad = customGrad<[Tensor, Tensor]>((input, filter, save) => {
    save([input, filter]);
    return {
      value: tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same'),
      gradFunc: (dy, saved) => {
        const [xs, k] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [tf.conv2dTranspose(dy as tf.Tensor4D, k, xs.shape, 1, 'same'), convFilterGrad(xs, dy as tf.Tensor4D, k.shape)];
      },
    };
  });
  return withFilterGrad(x, kernel);
}

/** d loss / d kernel of a stride-1 'same' convolution: the patches of x, transposed, times dy. */
export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kernelShape: number[]): Tensor {
  const [kh, kw, cin, cout] = kernelShape as [number, number, number, number];
  const [b, h, w] = x.shape;
  const padded = tf.pad(x, [
    [0, 0],
    [(kh - 1) / 2, (kh - 1) / 2],
    [(kw - 1) / 2, (kw - 1) / 2],
    [0, 0],
  ]);
  const shifts: Tensor[] = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) shifts.push(tf.slice(padded, [0, i, j, 0], [b, h, w, cin]));
  const patches = tf.reshape(tf.stack(shifts, 3), [b * h * w, kh * kw * cin]);
  const grad = tf.matMul(patches, tf.reshape(dy, [b * h * w, cout]), true, false);
  return tf.reshape(grad, [kh, kw, cin, cout]);
}

/**
 * x·w + b. A bias shared by every row runs as one fused kernel (PyTorch's addmm); a per-batch bias
 * (rank > 1, e.g. [g, 1, out] beside a batched matmul) is a separate add, since fused kernels on
 * wasm take a rank-1 bias only.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor, activation: 'linear' | 'relu' = 'linear'): Tensor {
  if (b.rank === 1) return tf.fused.matMul({ a: x, b: w, bias: b, activation });
  const y = tf.add(tf.matMul(x, w), b);
  return activation === 'relu' ? tf.relu(y) : y;
}

/** Element counts linear() allocates for an output of `outElements` with a bias of rank `biasRank`. */
export function linearAllocations(outElements: number, biasRank: number, activation: 'linear' | 'relu' = 'linear'): number[] {
  if (biasRank === 1) return [outElements];
  return activation === 'relu' ? [outElements, outElements, outElements] : [outElements, outElements];
}

/**
 * Multiplies every group's slice by its own matrix: x [N, g, k] · w [g, k, o] → [N, g, o], as one
 * batched matmul over groups (the 1×1 grouped convolution and the grouped Linear).
 */
export function groupMatmul(x: Tensor, w: Tensor, bias?: Tensor): Tensor {
  const byGroup = tf.transpose(x, [1, 0, 2]);
  const y = bias ? linear(byGroup, w, bias) : tf.matMul(byGroup as tf.Tensor3D, w as tf.Tensor3D);
  return tf.transpose(y, [1, 0, 2]);
}

/** Element counts allocated by groupMatmul for N rows, g groups, k inputs, o outputs. */
export function groupMatmulAllocations(n: number, g: number, k: number, o: number, withBias: boolean): number[] {
  return [n * g * k, ...(withBias ? linearAllocations(n * g * o, 3) : [n * g * o]), n * g * o];
}

/** Block-diagonal kernel [kh, kw, g·p, g·q] from g blocks [kh, kw, p, q]: a dense kernel that acts grouped. */
export function blockDiagonal(blocks: Tensor[]): Tensor {
  const [kh, kw, p, q] = blocks[0]!.shape as [number, number, number, number];
  const g = blocks.length;
  const columns = blocks.map((block, i) => {
    const parts: Tensor[] = [];
    if (i > 0) parts.push(tf.zeros([kh, kw, i * p, q]));
    parts.push(block);
    if (i < g - 1) parts.push(tf.zeros([kh, kw, (g - 1 - i) * p, q]));
    return tf.concat(parts, 2);
  });
  return tf.concat(columns, 3);
}

/** The g diagonal blocks of a block-diagonal kernel (the adjoint of blockDiagonal: off-block entries drop). */
export function diagonalBlocks(kernel: Tensor, g: number): Tensor[] {
  const [kh, kw, gp, gq] = kernel.shape as [number, number, number, number];
  const p = gp / g;
  const q = gq / g;
  return Array.from({ length: g }, (_, i) => tf.slice(kernel, [0, 0, i * p, i * q], [kh, kw, p, q]));
}

/** Copies every tensor (conversion must hand out tensors the caller may dispose independently). */
export function cloneAll(ts: Tensors): Tensors {
  return Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, tf.clone(t)]));
}

export function cloneWeights(w: WeightSet): WeightSet {
  return { trainable: cloneAll(w.trainable), buffers: cloneAll(w.buffers) };
}

/** Names `${prefix}${i}.${suffix}` for i in 0..g-1: the per-branch copies of one serial weight. */
export function branchNames(prefix: string, g: number, suffix: string): string[] {
  return Array.from({ length: g }, (_, i) => `${prefix}${i}.${suffix}`);
}

/** Concatenates the per-branch tensors `${prefix}i.${suffix}` along `axis` (branch-major layout). */
export function concatBranches(ts: Tensors, prefix: string, g: number, suffix: string, axis: number): Tensor {
  return tf.concat(
    branchNames(prefix, g, suffix).map((n) => ts[n]!),
    axis,
  );
}

/** Splits `t` into g equal parts along `axis`, naming them `${prefix}i.${suffix}`. */
export function splitBranches(t: Tensor, prefix: string, g: number, suffix: string, axis: number, out: Tensors): void {
  const parts = tf.split(t, g, axis);
  branchNames(prefix, g, suffix).forEach((n, i) => (out[n] = parts[i]!));
}

/** Stacks per-branch tensors on a new leading axis: g × [...] → [g, ...]. */
export function stackBranches(ts: Tensors, prefix: string, g: number, suffix: string): Tensor {
  return tf.stack(branchNames(prefix, g, suffix).map((n) => ts[n]!));
}

/** Unstacks a leading group axis back into per-branch tensors, each reshaped to `shape`. */
export function unstackBranches(t: Tensor, prefix: string, suffix: string, shape: number[], out: Tensors): void {
  tf.unstack(t).forEach((part, i) => (out[`${prefix}${i}.${suffix}`] = tf.reshape(part, shape)));
}

/** Total elements of a set of tensors: counted parameters. */
export function countElements(ts: Tensors): number {
  return Object.values(ts).reduce((n, t) => n + t.size, 0);
}

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Renames every key `k` to `${prefix}k` (to nest a part's weights inside a composite family). */
export function withPrefix(ts: Tensors, prefix: string): Tensors {
  return Object.fromEntries(Object.entries(ts).map(([k, t]) => [`${prefix}${k}`, t]));
}

/** The entries whose key starts with `prefix`, with the prefix removed. */
export function underPrefix(ts: Tensors, prefix: string): Tensors {
  return Object.fromEntries(
    Object.entries(ts)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, t]) => [k.slice(prefix.length), t]),
  );
}

export function subWeights(w: WeightSet, prefix: string): WeightSet {
  return { trainable: underPrefix(w.trainable, prefix), buffers: underPrefix(w.buffers, prefix) };
}

const BN_TENSORS = { trainable: ['gamma', 'beta'], buffers: ['mean', 'variance'] } as const;

/**
 * Fuses g per-branch BatchNorms `${branch}i.${bn}` into one over g·C channels named `fused`: one
 * BatchNorm2d(g·C) equals g BatchNorm2d(C) (seed §7), running statistics included.
 */
export function concatBatchNorms(serial: WeightSet, branch: string, g: number, bn: string, fused: string, out: WeightSet): void {
  for (const t of BN_TENSORS.trainable) out.trainable[`${fused}.${t}`] = concatBranches(serial.trainable, branch, g, `${bn}.${t}`, 0);
  for (const t of BN_TENSORS.buffers) out.buffers[`${fused}.${t}`] = concatBranches(serial.buffers, branch, g, `${bn}.${t}`, 0);
}

/** The adjoint of concatBatchNorms on trainable tensors (or their gradients), and running statistics where given. */
export function splitBatchNorms(own: Tensors, fused: string, branch: string, g: number, bn: string, out: Tensors): void {
  for (const t of [...BN_TENSORS.trainable, ...BN_TENSORS.buffers]) {
    const tensor = own[`${fused}.${t}`];
    if (tensor) splitBranches(tensor, branch, g, `${bn}.${t}`, 0, out);
  }
}

/**
 * Max over H and W of NHWC with a gradient that splits dy evenly among tied maxima, as torch.amax does.
 * tf.max's own gradient hands the whole dy to every tied element, which is no subgradient: it counts dy
 * once per tie. Ties are not rare: where a bottleneck branch's last ReLU zeroes two positions' inputs
 * alike, both positions get the same value, and with tf.max's rule the head's gradients disagreed with
 * PyTorch's (and with the WGSL and MaxPool forms, which route dy to the first maximum) in 1 verify of 5
 * at the small sizes. Every rule that sums to dy gives those positions' weights the same gradient.
 */
const maxSplittingTies = customGrad<[Tensor]>((x, save) => {
  const value = tf.max(x, [1, 2]);
  save([x, value]);
  return {
    value,
    gradFunc: (dy, saved) => {
      const [input, max] = saved as [Tensor, Tensor];
      const shape = [max.shape[0]!, 1, 1, max.shape[1]!];
      // 1 where x is the maximum (max − x is exactly 0 there), else 0; float arithmetic, as a bool mask
      // cast to float trips tfjs-webgpu 4.22's transpose shader (i32 read as f32).
      const at = tf.sub(1, tf.step(tf.sub(tf.reshape(max, shape), input)));
      return tf.mul(tf.div(at, tf.sum(at, [1, 2], true)), tf.reshape(dy, shape));
    },
  };
});

/** Max over H and W of NHWC ([B, H, W, C] → [B, C]); in training its gradient splits among ties (maxSplittingTies). */
export function spatialMax(x: Tensor, mode: Mode): Tensor {
  return mode === 'training' ? maxSplittingTies(x) : tf.max(x, [1, 2]);
}
