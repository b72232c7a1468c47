import { tf } from '../core/tf.js';

export interface MemoryPass {
  peakBytes: number;
  newBytes: number;
  newTensors: number;
  kernelCount: number;
  kernels: { name: string; count: number; outputBytes: number }[];
}

/**
 * One call under tf.profile(), apart from timing (profiling slows kernels). Bytes are counted above
 * what was allocated before the call (weights and input), so `peakBytes` is the call's own working
 * memory; the call's result is disposed afterwards.
 */
export async function memoryPass(call: () => tf.TensorContainer): Promise<MemoryPass> {
  const startBytes = tf.memory().numBytes;
  const info = await tf.profile(call);
  tf.dispose(info.result);
  const byName = new Map<string, { name: string; count: number; outputBytes: number }>();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { name: k.name, count: 0, outputBytes: 0 };
    entry.count += 1;
    entry.outputBytes += k.bytesAdded > 0 ? k.bytesAdded : 0;
    byName.set(k.name, entry);
  }
  return {
    peakBytes: info.peakBytes - startBytes,
    newBytes: info.newBytes,
    newTensors: info.newTensors,
    kernelCount: info.kernels.length,
    kernels: [...byName.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
  };
}

/**
 * Kernel time of one call from tf.time(): measured on the device where the backend can (WebGPU with
 * timestamp-query), otherwise the backend's own host-side timing. Undefined where it reports none.
 */
export async function kernelTime(call: () => tf.TensorContainer): Promise<number | undefined> {
  const info = await tf.time(() => {
    tf.dispose(call());
  });
  const ms = info.kernelMs as number | { error: string };
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
}
