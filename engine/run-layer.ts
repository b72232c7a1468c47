/**
 * Running one implementation on TensorFlow.js for the PyTorch-facing features (verify --backend torch,
 * forward, convert): the one place they call engine/core/run.ts.
 */
import { tf, type Tensor } from './core/tf.js';
import { forward, prepare, trainingStep, type Prepared } from './core/run.js';
import { recordBatchStatistics } from './core/ops.js';
import type { Implementation, Mode, Tensors, WeightSet } from './core/types.js';

/** What one call gives: the output, and in training the input gradient and serial-layout weight gradients. */
export interface LayerRun {
  output: Tensor;
  inputGrad?: Tensor;
  /** Keyed by serial engine weight name. */
  grads?: Tensors;
}

/** PyTorch's BatchNorm momentum: running = 0.9 · running + 0.1 · batch statistic (unbiased variance). */
export const BN_MOMENTUM = 0.1;

/**
 * Runs `impl` once on the active backend. `weights` are serial (converted with the implementation's
 * toParallel) or, with `own`, already in the implementation's layout (e.g. read from a parallel-layout
 * file). Training computes d Σ(output · probe) / d input and / d every weight. Caller disposes.
 */
export function runLayer<C>(
  impl: Implementation<C>,
  weights: WeightSet,
  config: C,
  mode: Mode,
  x: Tensor,
  probe?: Tensor,
  own = false,
): LayerRun {
  const p: Prepared<C> = own ? { impl, weights, dispose: () => undefined } : prepare(impl, weights, config);
  try {
    const output = forward(p, x, config, mode);
    if (mode === 'inference') return { output };
    if (!probe) throw new Error('runLayer: training needs a probe');
    const t = trainingStep(p, x, probe, config);
    t.loss.dispose();
    return { output, inputGrad: t.inputGrad, grads: t.grads };
  } finally {
    p.dispose();
  }
}

export function disposeLayerRun(r: LayerRun): void {
  tf.dispose([r.output, ...(r.inputGrad ? [r.inputGrad] : []), ...Object.values(r.grads ?? {})]);
}

/**
 * The BatchNorm running statistics PyTorch holds after one training step of the serial layer from
 * `serial`'s buffers (the engine keeps its own unchanged): batch statistics recorded from a
 * training-mode forward, blended with momentum 0.1, the variance unbiased as PyTorch stores it.
 */
export function runningStatisticsAfterStep<C>(impl: Implementation<C>, serial: WeightSet, config: C, x: Tensor): Tensors {
  const prefixes = Object.keys(serial.buffers)
    .filter((n) => n.endsWith('.mean'))
    .map((n) => n.slice(0, -'.mean'.length));
  // A part embedded in a composite family sees its own prefix (`b0.bn1` for `bottleneck.b0.bn1`).
  const resolve = (prefix: string) => {
    const hits = prefixes.filter((p) => p === prefix || p.endsWith(`.${prefix}`));
    if (hits.length !== 1) throw new Error(`BatchNorm ${prefix} matches ${hits.length} serial buffers (${hits.join(', ')})`);
    return hits[0]!;
  };
  const updated: Tensors = {};
  const p = prepare(impl, serial, config);
  try {
    const out = recordBatchStatistics(
      (prefix, mean, variance, n) => {
        const name = resolve(prefix);
        const blend = (old: Tensor, batch: Tensor) => tf.keep(tf.add(tf.mul(old, 1 - BN_MOMENTUM), tf.mul(batch, BN_MOMENTUM)));
        updated[`${name}.mean`] = blend(serial.buffers[`${name}.mean`]!, mean);
        updated[`${name}.variance`] = blend(serial.buffers[`${name}.variance`]!, tf.mul(variance, n / Math.max(1, n - 1)));
      },
      () => forward(p, x, config, 'training'),
    );
    out.dispose();
  } finally {
    p.dispose();
  }
  return updated;
}
