import { tf, type Tensor } from './tf.js';
import type { Implementation, Tensors, WeightSet } from './types.js';

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

/** One inference forward pass; every intermediate is freed, the output is the caller's. */
export function forward<C>(p: Prepared<C>, x: Tensor, config: C): Tensor {
  return tf.tidy(() => p.impl.forward(p.weights, x, config, 'inference'));
}

/** What one training step gives back, in the implementation's own layout; the caller disposes it. */
export interface StepResult {
  loss: Tensor;
  /** d loss / d weight, keyed by this implementation's weight names. */
  grads: Tensors;
  /** d loss / d input. */
  inputGrad: Tensor;
  /** The forward output, only when the step was asked to keep it (the equivalence gate). */
  output?: Tensor;
}

export function disposeStep(r: StepResult): void {
  tf.dispose([r.loss, r.inputGrad, ...Object.values(r.grads), ...(r.output ? [r.output] : [])]);
}

/**
 * The state of training one implementation, created once outside any timed region: its trainable
 * weights and the input as variables, its BatchNorm running statistics as non-trainable variables
 * (a training forward updates them, as PyTorch does). `step()` is then exactly a training step:
 * forward with batch statistics + backward for loss = Σ output ⊙ probe (a fixed random probe, so every
 * output element gets its own gradient), gradients for every weight and the input, and nothing else:
 * no weight copies, no re-layout of gradients (the gate maps them with toSerial itself).
 *
 * @example const s = new TrainingSession(prepared, x, probe, config); disposeStep(s.step()); s.dispose();
 */
export class TrainingSession<C> {
  private readonly names: string[];
  private readonly variables: tf.Variable[];
  private readonly input: tf.Variable;
  private readonly live: WeightSet;

  constructor(
    readonly prepared: Prepared<C>,
    x: Tensor,
    private readonly probe: Tensor,
    private readonly config: C,
  ) {
    const { trainable, buffers } = prepared.weights;
    this.names = Object.keys(trainable);
    // tf.variable shares the tensor's data (no copy); a variable's assign swaps in new data.
    this.variables = this.names.map((n) => tf.variable(trainable[n]!, true));
    this.input = tf.variable(x, true);
    this.live = {
      trainable: Object.fromEntries(this.names.map((n, i) => [n, this.variables[i]!])),
      buffers: Object.fromEntries(Object.entries(buffers).map(([n, t]) => [n, tf.variable(t, false)])),
    };
  }

  /** One training step; the result is the caller's to dispose. `keepOutput` also returns the forward output. */
  step(keepOutput = false): StepResult {
    let output: Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const y = this.prepared.impl.forward(this.live, this.input, this.config, 'training');
      if (keepOutput) output = tf.keep(y);
      return tf.sum(tf.mul(y, this.probe)) as tf.Scalar;
    }, [...this.variables, this.input]);
    return {
      loss: value,
      grads: Object.fromEntries(this.names.map((n, i) => [n, grads[this.variables[i]!.name]!])),
      inputGrad: grads[this.input.name]!,
      ...(output ? { output } : {}),
    };
  }

  /** The running statistics as they are now (this implementation's layout); owned by the session. */
  runningStatistics(): Tensors {
    return this.live.buffers;
  }

  dispose(): void {
    tf.dispose([...this.variables, this.input, ...Object.values(this.live.buffers)]);
  }

  /**
   * A step (taken with `keepOutput`) in the serial layout, for checks: gradients and the running
   * statistics after it mapped back with toSerial (never inside a timed sample). Takes over the step's
   * tensors; the result is the caller's to dispose (disposeSerialStep), and outlives the session.
   */
  inSerialLayout(step: StepResult): SerialStep {
    const statistics = this.runningStatistics();
    const mapped = tf.tidy(
      () => this.prepared.impl.toSerial({ ...step.grads, ...statistics }, this.config) as unknown as tf.TensorContainer,
    ) as unknown as Tensors;
    // An identity toSerial hands back the step's gradients (kept) and the session's variables (copied out).
    const handedBack = new Set(Object.values(mapped));
    const sessionOwned = new Set(Object.values(statistics));
    tf.dispose([step.loss, ...Object.values(step.grads).filter((t) => !handedBack.has(t))]);
    const grads: Tensors = {};
    const stats: Tensors = {};
    for (const [name, t] of Object.entries(mapped)) {
      if (name.endsWith('.mean') || name.endsWith('.variance')) stats[name] = sessionOwned.has(t) ? tf.clone(t) : t;
      else grads[name] = t;
    }
    return { output: step.output!, inputGrad: step.inputGrad, grads, statistics: stats };
  }
}

/** A training step in the serial layout: what the equivalence checks compare. */
export interface SerialStep {
  output: Tensor;
  inputGrad: Tensor;
  /** d loss / d weight, serial names. */
  grads: Tensors;
  /** BatchNorm running statistics after the step, serial buffer names. */
  statistics: Tensors;
}

export function disposeSerialStep(s: SerialStep): void {
  tf.dispose([s.output, s.inputGrad, ...Object.values(s.grads), ...Object.values(s.statistics)]);
}
