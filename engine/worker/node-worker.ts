/**
 * The engine's process entry: runs one sweep off the caller's thread and reports back. It runs as a
 * Node worker_thread (CLI, web host) or as an Electron utilityProcess (desktop app); both hand it a
 * port with the same postMessage / message interface.
 */
import { parentPort } from 'node:worker_threads';
import { describeError, FusebenchError } from '../core/errors.js';
import { runSweepToFiles } from '../sweep/node-sweep.js';
import type { FromWorker, ToWorker } from './protocol.js';

interface Port {
  postMessage(message: FromWorker): void;
  on(event: 'message', listener: (message: ToWorker | { data: ToWorker }) => void): void;
}

const port = (parentPort ?? (process as unknown as { parentPort?: Port }).parentPort) as Port | undefined;
if (!port) throw new Error('engine-worker must run as a worker_thread or an Electron utilityProcess');

const controller = new AbortController();
port.on('message', (raw) => {
  // utilityProcess wraps messages in a MessageEvent ({ data }); worker_threads does not.
  const message = 'data' in raw ? raw.data : raw;
  if (message.type === 'cancel') controller.abort();
  if (message.type === 'sweep') void sweep(message.request);
});

async function sweep(request: Extract<ToWorker, { type: 'sweep' }>['request']): Promise<void> {
  try {
    const r = await runSweepToFiles(
      request,
      controller.signal,
      (progress) => port!.postMessage({ type: 'progress', progress }),
      (point) => port!.postMessage({ type: 'point', point }),
    );
    port!.postMessage({
      type: 'done',
      resultsPath: r.resultsPath,
      journalPath: r.journalPath,
      ...(r.reportPath ? { reportPath: r.reportPath } : {}),
      complete: r.results.complete,
      points: r.results.points.length,
      resumedPoints: r.resumedPoints,
    });
  } catch (e) {
    port!.postMessage({ type: 'failed', message: describeError(e), userError: e instanceof FusebenchError });
  }
}
