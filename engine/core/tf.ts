/**
 * The one place the engine imports TensorFlow.js from, so that every module shares a single engine
 * instance (backends register kernels on it) and bundles stay deduplicated. tfjs-core alone has no
 * gradients registered; training mode needs them all.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
export * as tf from '@tensorflow/tfjs-core';
export type { Tensor, Variable, Rank } from '@tensorflow/tfjs-core';
