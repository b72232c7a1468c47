import { tf, type Tensor } from './tf.js';
import { product } from './ops.js';

/**
 * A tensor held in ordinary memory rather than by a TensorFlow.js backend: what files (safetensors)
 * and the PyTorch worker exchange. Data is row-major in the tensor's own layout.
 */
export type HostTensor =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  /**
   * Integer and boolean tensors are read and written, never computed with: PyTorch's BatchNorm
   * `num_batches_tracked` counter (int64), masks and counters in a user's checkpoint. The engine
   * computes in floats; engine/checkpoint.ts keeps these apart from the weights.
   */
  | { dtype: 'int64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'bool'; shape: number[]; data: Uint8Array };

/** Whether a host tensor holds floating-point values (the only ones the engine computes with). */
export function isFloat(t: HostTensor): t is Extract<HostTensor, { dtype: 'float32' | 'float64' }> {
  return t.dtype === 'float32' || t.dtype === 'float64';
}

export type HostTensors = Record<string, HostTensor>;

export function float32(shape: number[], data: Float32Array): HostTensor {
  return { dtype: 'float32', shape, data };
}

/** The values as fp32, the engine's precision (float64 is rounded; integers converted). */
export function toFloat32(t: HostTensor): Float32Array {
  if (t.dtype === 'float32') return t.data;
  if (t.dtype === 'int64') return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data);
}

/** The values as float64 (exact for float32, int32, bool and for int64 up to 2^53). */
export function toFloat64(t: HostTensor): Float64Array {
  if (t.dtype === 'float64') return t.data;
  if (t.dtype === 'int64') return Float64Array.from(t.data, (v) => Number(v));
  return Float64Array.from(t.data);
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
