/**
 * The one place the engine imports TensorFlow.js from, so that every module shares a single engine
 * instance (backends register kernels on it) and bundles stay deduplicated. tfjs-core alone has no
 * gradients registered; training mode needs them all.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
export * as tf from '@tensorflow/tfjs-core';
export type { Tensor, Variable, Rank } from '@tensorflow/tfjs-core';

import type { Tensor, GradSaveFunc } from '@tensorflow/tfjs-core';
import * as core from '@tensorflow/tfjs-core';

/** The TensorFlow.js version every result records. */
export function tfjsVersion(): string {
  return core.version_core;
}

/**
 * tf.customGrad with the inputs typed as tensors: tfjs types every argument as `Tensor | GradSaveFunc`,
 * though the save function is always the last one.
 */
export function customGrad<I extends Tensor[]>(
  f: (...args: [...I, GradSaveFunc]) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] },
): (...inputs: I) => Tensor {
  return core.customGrad(f as unknown as Parameters<typeof core.customGrad>[0]) as unknown as (...inputs: I) => Tensor;
}
