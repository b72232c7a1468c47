import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { SweepFilesRequest } from '../sweep/node-sweep.js';
import type { FromWorker } from './protocol.js';

/** Where the bundled worker lives: beside the bundle that imports this (dist/node/). */
export function workerScript(): string {
  return fileURLToPath(new URL('./engine-worker.mjs', import.meta.url));
}

export interface SweepHandle {
  cancel(): void;
  /** Resolves with the worker's last message: `done` or `failed`; a crashed worker is `failed` too. */
  finished: Promise<Extract<FromWorker, { type: 'done' | 'failed' }>>;
}

/**
 * Runs a sweep in a worker_thread so the caller's thread never blocks; every message is passed to
 * `onMessage` as it arrives.
 *
 * @example const h = startSweepWorker({ profile, outDir }, (m) => console.log(m.type)); await h.finished;
 */
export function startSweepWorker(request: SweepFilesRequest, onMessage: (m: FromWorker) => void, script = workerScript()): SweepHandle {
  const worker = new Worker(script);
  const finished = new Promise<Extract<FromWorker, { type: 'done' | 'failed' }>>((resolve) => {
    let last: Extract<FromWorker, { type: 'done' | 'failed' }> | undefined;
    worker.on('message', (m: FromWorker) => {
      onMessage(m);
      if (m.type === 'done' || m.type === 'failed') {
        last = m;
        void worker.terminate();
      }
    });
    worker.on('error', (e) => {
      last ??= { type: 'failed', message: `the engine crashed: ${e.message}`, userError: false };
    });
    worker.on('exit', (code) =>
      resolve(last ?? { type: 'failed', message: `the engine exited unexpectedly (code ${code})`, userError: false }),
    );
  });
  worker.postMessage({ type: 'sweep', request });
  return { cancel: () => worker.postMessage({ type: 'cancel' }), finished };
}
