/** The TensorFlow.js backends Fusebench knows, in order of preference where each is available. */
export const BACKENDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
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
 * Equivalence bounds on relErr = ‖par − ser‖/‖ser‖, per backend and check, declared once here.
 * fp32 on cpu and wasm must land under 1e-5 (DESIGN.md §2); the GPU bounds allow for reordered
 * reductions in shaders.
 */
export const TOLERANCES: Record<BackendName, { forward: number; gradient: number; why: string }> = {
  cpu: { forward: 1e-5, gradient: 1e-5, why: 'fp32, reference backend' },
  wasm: { forward: 1e-5, gradient: 1e-5, why: 'fp32, XNNPACK kernels' },
  webgpu: {
    forward: 1e-4,
    gradient: 1e-4,
    why: 'fp32 shaders reorder reductions (tiled matmul, workgroup reductions) differently per layout',
  },
  tensorflow: { forward: 1e-5, gradient: 1e-5, why: 'fp32 libtensorflow kernels; TF32 is off by default in TF 2.9' },
};

export function isBackendName(value: string): value is BackendName {
  return (BACKENDS as readonly string[]).includes(value);
}
