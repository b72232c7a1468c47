/** The TensorFlow.js backends Fusebench knows, in order of preference where each is available. */
export const TFJS_BACKENDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type TfjsBackendName = (typeof TFJS_BACKENDS)[number];

/**
 * Every backend: the TensorFlow.js ones, then `torch`, a PyTorch worker process (engine/torch/,
 * docs/pytorch.md) that is not a TensorFlow.js backend: code that runs tfjs ops checks isTfjsBackend.
 */
export const BACKENDS = [...TFJS_BACKENDS, 'torch'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const DEFAULT_BACKEND: BackendName = 'wasm';

export interface BackendInfo {
  name: BackendName;
  available: boolean;
  /** Why it cannot run here, with the fix; set when `available` is false. */
  reason?: string;
  /** Adapter or device description, where the backend reports one. */
  device?: string;
  /** `device`: tf.time() reports kernel time measured on the device; `host`: wall time seen by JS. */
  kernelTiming: 'device' | 'host';
}

/**
 * Equivalence bounds on relErr = ‖par − ser‖/‖ser‖, per backend and check, declared once here: the
 * output, and in training mode all gradients as one vector (see equivalence.ts). fp32 on cpu and
 * wasm must land under 1e-5 (DESIGN.md §2); the GPU bound allows for reductions that shaders reorder.
 */
export const TOLERANCES: Record<BackendName, { forward: number; gradient: number; why: string }> = {
  cpu: { forward: 1e-5, gradient: 1e-5, why: 'fp32, the reference backend' },
  wasm: { forward: 1e-5, gradient: 1e-5, why: 'fp32 XNNPACK kernels' },
  webgpu: {
    forward: 1e-4,
    gradient: 1e-4,
    why: 'fp32 shaders reorder reductions (tiled matmul, workgroup reductions) differently per layout',
  },
  tensorflow: { forward: 1e-5, gradient: 1e-5, why: 'fp32 libtensorflow kernels (TF32 is off by default in TF 2.9)' },
  torch: {
    forward: 1e-4,
    gradient: 1e-4,
    why: 'fp32 with TF32 off; cuDNN picks convolution algorithms (Winograd, FFT) that round differently. On CPU the torch verifier holds 1e-5 (TORCH_CPU_TOLERANCE)',
  },
};

/**
 * Backend kernels known to compute a wrong result, found by the equivalence gate. A point that runs
 * one of these fails its equivalence check (honestly: it is not the same function there); the list
 * says why, for the UI and for test/unit/engine/known-defects.test.ts, which proves each still happens.
 */
export const KNOWN_DEFECTS: readonly {
  backend: BackendName;
  family: string;
  implementation: string;
  mode: 'training';
  why: string;
  /** A config and seed that reproduce it, so tests prove it without naming it themselves. */
  reproduce: { config: Record<string, unknown>; seed: number };
}[] = [
  {
    backend: 'wasm',
    family: 'gmp',
    implementation: 'parallel.maxPoolReshape',
    mode: 'training',
    why: 'tfjs-backend-wasm 4.22 MaxPoolGrad sends the gradient to the first element of a window whose values are all negative',
    reproduce: { config: { batch: 4, groups: 2, channels: 3, height: 1, width: 2 }, seed: 2 },
  },
  {
    backend: 'wasm',
    family: 'gmp',
    implementation: 'serial.sliceMaxPoolLoop',
    mode: 'training',
    why: 'tfjs-backend-wasm 4.22 MaxPoolGrad sends the gradient to the first element of a window whose values are all negative',
    reproduce: { config: { batch: 4, groups: 2, channels: 3, height: 1, width: 2 }, seed: 2 },
  },
];

/** Whether `name` is a TensorFlow.js backend (one that useBackend makes tf's active backend). */
export function isTfjsBackend(name: BackendName): name is TfjsBackendName {
  return (TFJS_BACKENDS as readonly string[]).includes(name);
}

export function isBackendName(value: string): value is BackendName {
  return (BACKENDS as readonly string[]).includes(value);
}

/** The known defect that makes this combination fail, if any. */
export function knownDefect(backend: BackendName, family: string, implementation: string, mode: string): string | undefined {
  return KNOWN_DEFECTS.find((d) => d.backend === backend && d.family === family && d.implementation === implementation && d.mode === mode)
    ?.why;
}
