/**
 * The engine's process entry: runs one sweep off the caller's thread and reports back. It runs as a
 * Node worker_thread (CLI, web host), an Electron utilityProcess (desktop app) or a forked child
 * process; each hands it a port with the same postMessage / message interface. The host supervises it
 * (main/engine-host/supervisor.ts): it validates every message, and stops it after a cancel's grace.
 */
import { parentPort } from 'node:worker_threads';
import { describeError, FusebenchError } from '../core/errors.js';
import { dirname, join } from 'node:path';
import { runSweepToFiles } from '../sweep/node-sweep.js';
import { writeFileAtomic } from '../files/node-files.js';
import { renderReport } from '../report/node-report.js';
import type { FromWorker, ToWorker } from './protocol.js';

interface Port {
  postMessage(message: FromWorker): void;
  on(event: 'message', listener: (message: ToWorker | { data: ToWorker }) => void): void;
}

/** A forked child process's IPC channel, in the shape of the other two. */
function processPort(): Port | undefined {
  const send = process.send?.bind(process);
  if (!send) return undefined;
  return { postMessage: (m) => void send(m), on: (_event, listener) => void process.on('message', listener) };
}

const port = (parentPort ?? (process as unknown as { parentPort?: Port }).parentPort ?? processPort()) as Port | undefined;
if (!port) throw new Error('engine-worker must run as a worker_thread, an Electron utilityProcess or a forked child process');

const controller = new AbortController();
port.on('message', (raw) => {
  // utilityProcess wraps messages in a MessageEvent ({ data }); worker_threads and fork do not.
  const message = raw && typeof raw === 'object' && 'data' in raw ? raw.data : (raw as ToWorker);
  if (message?.type === 'cancel') controller.abort();
  if (message?.type === 'sweep') void sweep(message.request);
});

async function sweep(request: Extract<ToWorker, { type: 'sweep' }>['request']): Promise<void> {
  try {
    const r = await runSweepToFiles(
      request,
      controller.signal,
      (progress) => port!.postMessage({ type: 'progress', progress }),
      (point) => port!.postMessage({ type: 'point', point }),
    );
    let reportPath: string | undefined;
    if (request.report !== false) {
      reportPath = join(dirname(r.resultsPath), 'report.html');
      writeFileAtomic(reportPath, renderReport(r.results, 'html').files[0]!.content);
    }
    port!.postMessage({
      type: 'done',
      resultsPath: r.resultsPath,
      journalPath: r.journalPath,
      ...(reportPath ? { reportPath } : {}),
      complete: r.results.complete,
      points: r.results.points.length,
      resumedPoints: r.resumedPoints,
    });
  } catch (e) {
    const typed = e instanceof FusebenchError;
    port!.postMessage({
      type: 'failed',
      message: describeError(e),
      userError: typed,
      ...(typed ? { kind: e.kind } : {}),
      ...(typed && e.field !== undefined ? { field: e.field } : {}),
    });
  }
}
