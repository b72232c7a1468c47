import { tf, type Tensor } from './tf.js';
import type { Tensors } from './types.js';

/**
 * Reproducible random tensors: every call draws from its own sub-seed of `seed`, so the same seed
 * gives the same weights and inputs on every backend (TensorFlow.js draws random numbers in JS).
 *
 * @example const draw = new SeededInit(7); const w = draw.normal([3, 3, 8, 8], 0.1);
 */
export class SeededInit {
  private counter = 0;
  constructor(readonly seed: number) {}

  private next(): number {
    this.counter += 1;
    return (this.seed * 1_000_003 + this.counter * 7_919) % 2_147_483_647;
  }

  normal(shape: number[], std: number, mean = 0): Tensor {
    return tf.randomNormal(shape, mean, std, 'float32', this.next());
  }

  uniform(shape: number[], low: number, high: number): Tensor {
    return tf.randomUniform(shape, low, high, 'float32', this.next());
  }

  /** He-style init for a kernel whose output sums `fanIn` products, so activations stay O(1). */
  kernel(shape: number[], fanIn: number): Tensor {
    return this.normal(shape, Math.sqrt(2 / fanIn));
  }

  /** BatchNorm affine parameters and running statistics, all non-trivial so conversion is tested. */
  batchNorm(prefix: string, channels: number, trainable: Tensors, buffers: Tensors): void {
    trainable[`${prefix}.gamma`] = this.uniform([channels], 0.5, 1.5);
    trainable[`${prefix}.beta`] = this.normal([channels], 0.1);
    buffers[`${prefix}.mean`] = this.normal([channels], 0.1);
    buffers[`${prefix}.variance`] = this.uniform([channels], 0.5, 1.5);
  }
}
