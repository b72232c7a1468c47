/**
 * Running one implementation on TensorFlow.js for the PyTorch-facing features (verify --backend torch,
 * forward, convert): the one place they call engine/core/run.ts.
 */
import { tf, type Tensor } from './core/tf.js';
import { forward, prepare, TrainingSession, type Prepared } from './core/run.js';
import type { Implementation, Mode, Tensors, WeightSet } from './core/types.js';

/** What one call gives, in the serial layout: the output; in training also the gradients and running statistics. */
export interface LayerRun {
  output: Tensor;
  inputGrad?: Tensor;
  /** Keyed by serial engine weight name. */
  grads?: Tensors;
  /** BatchNorm running statistics after the step (PyTorch's update: momentum 0.1, unbiased variance), serial names. */
  statistics?: Tensors;
}

/**
 * Runs `impl` once on the active backend. `weights` are serial (converted with the implementation's
 * toParallel) or, with `own`, already in the implementation's layout (e.g. read from a parallel-layout
 * file). Training is one step of a TrainingSession: d Σ(output · probe) / d input and / d every
 * weight, mapped back to the serial layout, and the running statistics after it. Caller disposes.
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
    if (mode === 'inference') return { output: forward(p, x, config) };
    if (!probe) throw new Error('runLayer: training needs a probe');
    const session = new TrainingSession(p, x, probe, config);
    try {
      return session.inSerialLayout(session.step(true));
    } finally {
      session.dispose();
    }
  } finally {
    p.dispose();
  }
}

export function disposeLayerRun(r: LayerRun): void {
  tf.dispose([r.output, ...(r.inputGrad ? [r.inputGrad] : []), ...Object.values(r.grads ?? {}), ...Object.values(r.statistics ?? {})]);
}
