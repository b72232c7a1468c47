import { tf, type Tensor } from './tf.js';
import { product } from './ops.js';

/**
 * A tensor held in ordinary memory rather than by a TensorFlow.js backend: what files (safetensors)
 * and the PyTorch worker exchange. Data is row-major in the tensor's own layout.
 */
export type HostTensor =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  /** Only read (PyTorch's BatchNorm `num_batches_tracked` counter); the engine computes in floats. */
  | { dtype: 'int64'; shape: number[]; data: BigInt64Array };

export type HostTensors = Record<string, HostTensor>;

export function float32(shape: number[], data: Float32Array): HostTensor {
  return { dtype: 'float32', shape, data };
}

/** The values as fp32, the engine's precision (float64 is rounded; int64 converted). */
export function toFloat32(t: HostTensor): Float32Array {
  if (t.dtype === 'float32') return t.data;
  if (t.dtype === 'float64') return Float32Array.from(t.data);
  return Float32Array.from(t.data, (v) => Number(v));
}

/** The values as float64 (exact for float32 and for int64 up to 2^53). */
export function toFloat64(t: HostTensor): Float64Array {
  if (t.dtype === 'float64') return t.data;
  if (t.dtype === 'float32') return Float64Array.from(t.data);
  return Float64Array.from(t.data, (v) => Number(v));
}

/** A new fp32 TensorFlow.js tensor holding `t` (float64 rounded to fp32). */
export function toTensor(t: HostTensor): Tensor {
  return tf.tensor(toFloat32(t), t.shape, 'float32');
}

/** Downloads a tensor (synchronously: files and the worker need the bytes now). */
export function fromTensor(t: Tensor): HostTensor {
  return float32([...t.shape], t.dataSync<'float32'>().slice());
}

/** Number of elements a shape holds. */
export function elementCount(shape: readonly number[]): number {
  return product(shape);
}

/** `[2, 3, 4]` as `2×3×4` for messages (`scalar` for []). */
export function showShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}
