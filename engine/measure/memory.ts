import { tf } from '../core/tf.js';
import { startAllocationMeter, startTensorMeter, type MemorySource } from './allocation-meter.js';
import { summarize } from '../stats/sample-stats.js';

export interface MemoryPass {
  /** High-water bytes of the call's own allocations: allocator-true where the backend has a meter. */
  peakBytes: number;
  source: MemorySource;
  /** TensorFlow.js's tensor accounting of the same call (unique buffers). */
  tfjsPeakBytes: number;
  newTensors: number;
  kernelCount: number;
  kernels: { name: string; count: number; outputBytes: number }[];
}

/**
 * One call under tf.profile(), apart from timing (profiling slows kernels), with the backend's
 * allocation meter and the engine's tensor meter running. Bytes are counted above what was allocated
 * before the call (weights and input), so the figures are the call's own working memory; the call's
 * result is disposed afterwards.
 */
export async function memoryPass(call: () => tf.TensorContainer): Promise<MemoryPass> {
  const allocator = startAllocationMeter();
  const tensors = startTensorMeter();
  let info: Awaited<ReturnType<typeof tf.profile>>;
  let allocatorBytes: number | undefined;
  let tfjsPeakBytes: number;
  try {
    info = await tf.profile(call);
  } finally {
    allocatorBytes = allocator?.stop();
    tfjsPeakBytes = tensors.stop();
  }
  tf.dispose(info.result);
  const byName = new Map<string, { name: string; count: number; outputBytes: number }>();
  for (const k of info.kernels) {
    const entry = byName.get(k.name) ?? { name: k.name, count: 0, outputBytes: 0 };
    entry.count += 1;
    entry.outputBytes += k.bytesAdded > 0 ? k.bytesAdded : 0;
    byName.set(k.name, entry);
  }
  return {
    peakBytes: allocatorBytes ?? tfjsPeakBytes,
    source: allocator?.source ?? 'tfjs-tensors',
    tfjsPeakBytes,
    newTensors: info.newTensors,
    kernelCount: info.kernels.length,
    kernels: [...byName.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
  };
}

/** Calls kernelTime takes at least, so one slow call cannot stand for the point. */
export const KERNEL_CALLS = 5;

/**
 * Kernel time from tf.time(), median over `calls` calls: measured on the device where the backend can
 * (WebGPU with timestamp-query), otherwise the backend's own host-side timing. Undefined where it
 * reports none.
 */
export async function kernelTime(call: () => tf.TensorContainer, calls = KERNEL_CALLS): Promise<{ ms: number; calls: number } | undefined> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const info = await tf.time(() => {
      tf.dispose(call());
    });
    const ms = info.kernelMs as number | { error: string };
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
    times.push(ms);
  }
  return { ms: summarize(times).medianMs, calls };
}
