import type { Tensor } from './tf.js';
import type { BackendName } from './backend-names.js';
import type { z } from 'zod';
import type { PytorchLayout } from './pytorch-layout.js';

/** `inference` runs forward only; `training` runs forward with batch statistics plus backward. */
export type Mode = 'inference' | 'training';
export const MODES: readonly Mode[] = ['inference', 'training'];

export type Tensors = Record<string, Tensor>;

/**
 * The state of one implementation: `trainable` tensors get gradients; `buffers` (BatchNorm running
 * statistics) are carried over by conversion but never trained.
 */
export interface WeightSet {
  trainable: Tensors;
  buffers: Tensors;
}

/** Closed-form figures of a family at one configuration; all exact, in elements, FLOPs or bytes. */
export interface Formulas {
  /** Trainable parameters in the serial layout (BatchNorm affine counted; running stats are buffers). */
  params: number;
  /** Non-trainable buffer elements (BatchNorm running mean and variance). */
  bufferElements: number;
  /** Forward FLOPs of the useful work in inference mode: a multiply-add is 2 (see docs/measurement.md). */
  flops: number;
  /** Bytes of the layer's input plus its output activation (fp32); every implementation holds these. */
  activationBytes: number;
}

/** Per-implementation figures: what this way of computing the layer stores, executes and allocates. */
export interface ImplementationFormulas {
  /** Trainable elements this implementation stores (more than `params` for block-diagonal kernels). */
  storedParams: number;
  /** FLOPs it executes in a forward pass, zeros in block-diagonal kernels included. */
  executedFlops: number;
  /** Bytes of every tensor its forward pass allocates; tfjs frees none of them before the call returns. */
  predictedPeakBytes: number;
  /** Bytes its forward pass writes (same as predictedPeakBytes: each intermediate is written once). */
  bytesWritten: number;
}

/**
 * One way of computing a family's layer. The serial reference keeps the seed's loop; parallel ones
 * fuse it. Every implementation returns its output in the family's canonical (serial) layout.
 */
export interface Implementation<C> {
  /** `serial.<how>` or `parallel.<how>`, e.g. `parallel.im2colBatchedMatmul`. */
  readonly name: string;
  readonly role: 'serial' | 'parallel';
  readonly summary: string;
  /**
   * The kernels that do the work, e.g. `MaxPool (H×W window)`: where a parallel form uses another
   * primitive than the serial loop, its speedup would mix kernel choice with fusion (see `baseline`).
   */
  readonly primitive: string;
  /**
   * Parallel forms only: the serial implementation their speedup is measured against, the loop that
   * uses the same primitive (default: the family's reference, its first implementation). So a
   * speedup isolates fusion rather than kernel choice.
   */
  readonly baseline?: string;
  /**
   * The backends it runs on, where it needs one (e.g. ['webgpu'] for a hand-written WGSL kernel);
   * every TensorFlow.js backend when absent.
   */
  readonly backends?: readonly BackendName[];
  /** Serial weights → this layout, BatchNorm running statistics included (identity clone for serial). */
  toParallel(serial: WeightSet, config: C): WeightSet;
  /**
   * This layout's tensors → serial layout: the adjoint of toParallel. Takes trainable tensors or their
   * gradients, and BatchNorm running statistics (buffers) where present, so both can be compared.
   */
  toSerial(own: Tensors, config: C): Tensors;
  /** The layer's forward pass. `training` uses batch statistics in BatchNorm. */
  forward(weights: WeightSet, x: Tensor, config: C, mode: Mode): Tensor;
  /** Element counts of the tensors forward allocates in inference mode, for memory predictions. */
  allocations(config: C): number[];
  /**
   * Elements of the largest temporary a kernel allocates and frees inside the call, where one does:
   * a reduction over axes that are not innermost (Max over H, W of NHWC) first transposes its input.
   */
  scratch?(config: C): number;
  /** FLOPs executed when they differ from the family's useful FLOPs (block-diagonal kernels). */
  executedFlops?(config: C): number;
  /** Trainable elements stored when they differ from the family's parameter count. */
  storedParams?(config: C): number;
}

/** A layer family: one config schema, its formulas, a serial reference and parallel rewrites. */
export interface LayerFamily<C extends object = Record<string, unknown>> {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  /** Runtime schema with the seed's shapes as defaults; cross-field rules live in `rules`. */
  readonly schema: z.ZodType<C>;
  /** Small shapes that verify in well under a second on cpu; used by `fusebench verify` by default. */
  readonly small: Partial<C>;
  /** Cross-field rules (divisibility, array lengths); throw ConfigError naming the field. */
  rules?(config: C): void;
  /** Extra rules for training mode (BatchNorm batch statistics need enough values per channel). */
  trainingRules?(config: C): void;
  formulas(config: C): Formulas;
  inputShape(config: C): number[];
  /** Shape of the output in the canonical (serial) layout. */
  outputShape(config: C): number[];
  /** Fresh serial weights; `seed` makes them reproducible. */
  init(config: C, seed: number): WeightSet;
  /** The serial reference first, then the parallel implementations. */
  readonly implementations: readonly Implementation<C>[];
  /**
   * The implementations the PyTorch worker holds for this family (engine/torch/families.py), serial
   * reference first; absent where the torch backend has none (a torch sweep then says so).
   */
  readonly torch?: readonly ImplementationInfo[];
  readonly pytorch?: PytorchLayout<C>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of heterogeneous configs
export type AnyFamily = LayerFamily<any>;

/** What planning, reports and the UI need to know of an implementation, on any backend (torch's included). */
export type ImplementationInfo = Pick<Implementation<unknown>, 'name' | 'role' | 'summary' | 'primitive' | 'baseline'>;

/** Whether a TensorFlow.js implementation runs on `backend`. */
export function runsOn(impl: Pick<Implementation<unknown>, 'backends'>, backend: BackendName): boolean {
  return !impl.backends || impl.backends.includes(backend);
}
