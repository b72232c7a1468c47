import { tf, type Tensor } from './tf.js';
import type { Implementation, Mode, Tensors, WeightSet } from './types.js';

/** Weights converted for one implementation, with a way to free them. */
export interface Prepared<C> {
  impl: Implementation<C>;
  weights: WeightSet;
  dispose(): void;
}

/** Converts serial weights for `impl` (tidied, so conversion leaves no intermediates behind). */
export function prepare<C>(impl: Implementation<C>, serial: WeightSet, config: C): Prepared<C> {
  const weights = tf.tidy(() => impl.toParallel(serial, config) as unknown as tf.TensorContainer) as unknown as WeightSet;
  return {
    impl,
    weights,
    dispose: () => {
      tf.dispose(Object.values(weights.trainable));
      tf.dispose(Object.values(weights.buffers));
    },
  };
}

/** One forward pass; every intermediate is freed, the output is the caller's. */
export function forward<C>(p: Prepared<C>, x: Tensor, config: C, mode: Mode): Tensor {
  return tf.tidy(() => p.impl.forward(p.weights, x, config, mode));
}

/** What one training step gives back, gradients already in the serial layout. */
export interface TrainingResult {
  loss: Tensor;
  /** d loss / d weight, keyed by serial weight name. */
  grads: Tensors;
  /** d loss / d input. */
  inputGrad: Tensor;
}

/**
 * Forward plus backward with tf.variableGrads for loss = Σ output ⊙ probe, where `probe` is a fixed
 * random tensor (so every output element gets its own gradient). Gradients are mapped back to the
 * serial layout with the implementation's toSerial (the adjoint of its weight conversion).
 */
export function trainingStep<C>(p: Prepared<C>, x: Tensor, probe: Tensor, config: C): TrainingResult {
  const names = Object.keys(p.weights.trainable);
  const variables = names.map((n) => tf.variable(p.weights.trainable[n]!, true));
  const input = tf.variable(x, true);
  try {
    const live: WeightSet = {
      trainable: Object.fromEntries(names.map((n, i) => [n, variables[i]!])),
      buffers: p.weights.buffers,
    };
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(p.impl.forward(live, input, config, 'training'), probe)) as tf.Scalar,
      [...variables, input],
    );
    const own: Tensors = Object.fromEntries(names.map((n, i) => [n, grads[variables[i]!.name]!]));
    const serialGrads = tf.tidy(() => p.impl.toSerial(own, config) as unknown as tf.TensorContainer) as unknown as Tensors;
    const kept = new Set(Object.values(serialGrads));
    tf.dispose(Object.values(own).filter((t) => !kept.has(t)));
    return { loss: value, grads: serialGrads, inputGrad: grads[input.name]! };
  } finally {
    tf.dispose([...variables, input]);
  }
}

export function disposeTraining(r: TrainingResult): void {
  tf.dispose([r.loss, r.inputGrad, ...Object.values(r.grads)]);
}
