import { tf } from '../../core/tf.js';
import { dispatchCounter } from './dispatch-cache.js';
import type { WebGpuBackendLike } from './program.js';

/** What the host did for the GPU while a watch ran. */
export interface HostCounts {
  /** Compute dispatches recorded (tfjs's and Fusebench's programs). */
  dispatches: number;
  /** GPU buffers created (device.createBuffer): pool misses, staging buffers of uploads, uniform buffers. */
  buffersCreated: number;
  bytesCreated: number;
  /** Buffers taken from tfjs's pool (outputs, uniforms, staging). */
  buffersAcquired: number;
  /** Tensors whose values went from JavaScript to the GPU, and their bytes. */
  uploads: number;
  bytesUploaded: number;
}

interface Watchable extends Omit<WebGpuBackendLike, 'tensorMap' | 'bufferManager'> {
  bufferManager: WebGpuBackendLike['bufferManager'] & { acquireBuffer(...args: unknown[]): unknown };
  tensorMap: { get(dataId: object): { resource: unknown; values: { byteLength: number } | null } };
}

/** Replaces obj[key] by a wrapper while a watch runs. */
function around<T extends object, K extends keyof T>(obj: T, key: K, before: (...args: unknown[]) => void): () => void {
  const original = obj[key] as unknown as (...args: unknown[]) => unknown;
  obj[key] = ((...args: unknown[]) => {
    before(...args);
    return original.apply(obj, args);
  }) as unknown as T[K];
  return () => {
    obj[key] = original as unknown as T[K];
  };
}

/**
 * Counts, on the active WebGPU backend, the host-side work behind the GPU's: dispatches, buffers
 * created and taken from the pool, uploads. `stop()` ends the watch and returns the counts.
 *
 * @example const watch = watchHost(); step(); const counts = watch.stop();
 */
export function watchHost(): { stop(): HostCounts } {
  const backend = tf.backend() as unknown as Watchable;
  const counts: HostCounts = { dispatches: 0, buffersCreated: 0, bytesCreated: 0, buffersAcquired: 0, uploads: 0, bytesUploaded: 0 };
  const cachedBefore = dispatchCounter.cached;
  const restores = [
    // tfjs's own dispatches, and the first run of each of Fusebench's programs at a shape.
    around(backend, 'recordAndSubmit', () => (counts.dispatches += 1)),
    around(backend.device, 'createBuffer', (d) => {
      counts.buffersCreated += 1;
      counts.bytesCreated += (d as { size: number }).size;
    }),
    around(backend.bufferManager, 'acquireBuffer', () => (counts.buffersAcquired += 1)),
    around(backend, 'uploadToGPU', (dataId) => {
      const data = backend.tensorMap.get(dataId as object);
      if (data.resource == null && data.values) {
        counts.uploads += 1;
        counts.bytesUploaded += data.values.byteLength;
      }
    }),
  ];
  return {
    stop() {
      restores.forEach((restore) => restore());
      // Fusebench's later runs at a shape skip recordAndSubmit (dispatch-cache.ts): add them.
      counts.dispatches += dispatchCounter.cached - cachedBefore;
      return counts;
    },
  };
}
