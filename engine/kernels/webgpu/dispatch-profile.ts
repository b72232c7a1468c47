import { tf } from '../../core/tf.js';
import { deviceIdle } from '../../core/device-sync.js';
import { summarize } from '../../stats/sample-stats.js';
import { watchHost } from './host-profile.js';

/** Where the time of one call goes on WebGPU: dispatches, host cost per dispatch, device time per kernel. */
export interface DispatchProfile {
  /** GPU dispatches per call (a kernel may record several programs, a reshape none). */
  kernels: number;
  /** Host time per dispatch, µs: the call's JavaScript time (tfjs bookkeeping, encoding) over its dispatches; median of `calls`. */
  hostUsPerDispatch: number;
  /** Device time of one call: its kernels' timestamp queries summed. */
  deviceMs: number;
  /** Per kernel, by tfjs kernel name: calls and device time (timestamp queries), one call profiled. */
  byKernel: { name: string; count: number; deviceMs: number }[];
}

/** Calls the host cost is the median of. */
const HOST_CALLS = 5;

/**
 * Profiles `call` on the active WebGPU backend (undefined elsewhere): host microseconds per dispatch from
 * `calls` un-profiled calls (each ends on the device before the next starts, so none queues behind
 * another), then one call under tf.profile() for the per-kernel device times.
 *
 * @example const d = await dispatchProfile(() => forward(p, x, config));
 */
export async function dispatchProfile(call: () => tf.TensorContainer, calls = HOST_CALLS): Promise<DispatchProfile | undefined> {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const perDispatch: number[] = [];
  let kernels = 0;
  for (let i = 0; i < calls; i++) {
    await deviceIdle();
    const watch = watchHost();
    const started = performance.now();
    const result = call();
    const hostMs = performance.now() - started;
    kernels = watch.stop().dispatches;
    tf.dispose(result);
    if (kernels > 0) perDispatch.push((hostMs * 1000) / kernels);
  }
  await deviceIdle();
  const info = await tf.profile(call);
  tf.dispose(info.result);
  const byName = new Map<string, { name: string; count: number; deviceMs: number }>();
  for (const k of info.kernels) {
    // customGrad wraps registered kernels in an entry of its own (named by the scope, no dispatches of its own).
    if (!tf.getKernel(k.name, 'webgpu')) continue;
    const entry = byName.get(k.name) ?? { name: k.name, count: 0, deviceMs: 0 };
    entry.count += 1;
    entry.deviceMs += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, entry);
  }
  const byKernel = [...byName.values()].sort((a, b) => b.deviceMs - a.deviceMs || a.name.localeCompare(b.name));
  return {
    kernels,
    hostUsPerDispatch: perDispatch.length ? summarize(perDispatch).medianMs : 0,
    deviceMs: byKernel.reduce((s, k) => s + k.deviceMs, 0),
    byKernel,
  };
}
