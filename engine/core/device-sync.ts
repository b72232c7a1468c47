import { tf } from './tf.js';

/** The parts of tfjs-backend-webgpu's backend that submit its batched commands (public in 4.22). */
interface WebGpuQueueOwner {
  queue: { onSubmittedWorkDone(): Promise<void> };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/**
 * Resolves once the active backend has finished all work queued so far: the cheapest completion wait
 * there is. cpu and wasm run kernels synchronously, so there is nothing to wait for (and no read that
 * would copy an output into JS). WebGPU batches dispatches into a command encoder: submit it, then wait
 * for the queue (no download at all).
 *
 * @example tf.dispose(forward(p, x, config)); await deviceIdle();
 */
export async function deviceIdle(): Promise<void> {
  if (tf.getBackend() !== 'webgpu') return;
  const backend = tf.backend() as unknown as WebGpuQueueOwner;
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  await backend.queue.onSubmittedWorkDone();
}
