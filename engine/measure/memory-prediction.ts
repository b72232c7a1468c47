import type { AnyFamily, Implementation, Mode } from '../core/types.js';
import { product } from '../core/ops.js';
import { implementationFormulas } from '../formulas.js';
import type { MemoryPass } from './memory.js';
import type { MemorySource } from './allocation-meter.js';

const BYTES = 4;

/**
 * Whether a meter sees kernel temporaries: wasm and WebGPU kernels allocate them through the
 * backend's allocator; the cpu backend's are plain JS arrays outside its tensor storage, and tfjs's
 * accounting never sees them.
 */
export function seesScratch(source: MemorySource): boolean {
  return source === 'wasm-heap' || source === 'gpu-buffers';
}

/**
 * Predicted peak bytes of one call, from the formulas, as `source` counts them. Inference: every
 * tensor the forward pass allocates (TensorFlow.js frees none before the call returns) plus the largest
 * kernel temporary. Training: the forward's tensors stay alive for the backward pass, which adds one
 * gradient per forward tensor, the input's and the weights' gradients, and the loss Σ output ⊙ probe
 * with its gradient.
 */
export function predictedPeakBytes(
  family: AnyFamily,
  impl: Implementation<object>,
  config: object,
  mode: Mode,
  source: MemorySource,
): number {
  const f = implementationFormulas(family, impl.name, config);
  const scratch = seesScratch(source) ? 0 : (impl.scratch?.(config) ?? 0) * BYTES;
  if (mode === 'inference') return f.predictedPeakBytes - scratch;
  const input = product(family.inputShape(config)) * BYTES;
  const output = product(family.outputShape(config)) * BYTES;
  return 2 * (f.predictedPeakBytes - scratch) + input + BYTES * f.storedParams + 3 * output;
}

/** Measured within this share of the prediction needs no explanation. */
export const MEMORY_TOLERANCE = 0.1;

/**
 * Why measured and predicted peak differ by more than MEMORY_TOLERANCE, or undefined when they agree.
 * The reasons are the ones the formulas leave out; the largest kernel outputs point at where.
 */
export function memoryNote(
  _family: AnyFamily,
  _impl: Implementation<object>,
  _config: object,
  mode: Mode,
  measured: MemoryPass,
  predicted: number,
): string | undefined {
  const ratio = predicted > 0 ? measured.peakBytes / predicted : measured.peakBytes === 0 ? 1 : Infinity;
  if (Math.abs(ratio - 1) <= MEMORY_TOLERANCE) return undefined;
  const top = [...measured.kernels]
    .sort((a, b) => b.outputBytes - a.outputBytes)
    .slice(0, 3)
    .map((k) => `${k.name}×${k.count}`)
    .join(', ');
  const why =
    mode === 'training'
      ? "training: TensorFlow.js's backward pass keeps every intermediate gradient until the step ends and its gradient functions " +
        '(BatchNorm, moments, concat, slice) allocate per op more than the one gradient per tensor the formula counts'
      : ratio > 1
        ? 'kernel temporaries the formula does not model'
        : 'the backend reuses or shares buffers the formula counts as new';
  return `measured ${ratio.toFixed(2)}× the prediction: ${why} (largest kernel outputs: ${top})`;
}
