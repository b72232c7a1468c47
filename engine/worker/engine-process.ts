/**
 * What an engine process does (DESIGN.md §3): runs one sweep off the host's thread and reports back.
 * It runs as a Node worker_thread (CLI, web host), an Electron utilityProcess (desktop app) or a forked
 * child process; each hands it a port with the same postMessage / message interface. The host
 * supervises it (main/engine-host/supervisor.ts): it validates every message, and stops it after a
 * cancel's grace. engine/worker/node-worker.ts is the production entry; a test's entry may pass hooks.
 */
import { parentPort } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { describeError, FusebenchError } from '../core/errors.js';
import { runSweepToFiles, type SweepHooks } from '../sweep/node-sweep.js';
import { writeFileAtomic } from '../files/node-files.js';
import { renderReport } from '../report/node-report.js';
import type { FromWorker, ToWorker } from './protocol.js';

export interface EnginePort {
  postMessage(message: FromWorker): void;
  on(event: 'message', listener: (message: ToWorker | { data: ToWorker }) => void): void;
}

/** The port of this process: a worker_thread's parentPort, a utilityProcess's, or a forked child's IPC channel. */
export function enginePort(): EnginePort {
  const send = process.send?.bind(process);
  const forked: EnginePort | undefined = send
    ? { postMessage: (m) => void send(m), on: (_event, listener) => void process.on('message', listener) }
    : undefined;
  const port = (parentPort ?? (process as unknown as { parentPort?: EnginePort }).parentPort ?? forked) as EnginePort | undefined;
  if (!port) throw new Error('engine-worker must run as a worker_thread, an Electron utilityProcess or a forked child process');
  return port;
}

/**
 * Serves sweep requests on `port`. `hooks`, given by tests only (a hold after some points), shape how a
 * sweep runs without a line of test code in this path.
 */
export function serveEngine(port: EnginePort, hooks: (signal: AbortSignal) => SweepHooks = () => ({})): void {
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
        (progress) => port.postMessage({ type: 'progress', progress }),
        (point) => port.postMessage({ type: 'point', point }),
        hooks(controller.signal),
      );
      let reportPath: string | undefined;
      if (request.report !== false) {
        reportPath = join(dirname(r.resultsPath), 'report.html');
        writeFileAtomic(reportPath, renderReport(r.results, 'html').files[0]!.content);
      }
      port.postMessage({
        type: 'done',
        results: r.results,
        resultsPath: r.resultsPath,
        journalPath: r.journalPath,
        ...(reportPath ? { reportPath } : {}),
        resumedPoints: r.resumedPoints,
      });
    } catch (e) {
      const typed = e instanceof FusebenchError;
      port.postMessage({
        type: 'failed',
        message: describeError(e),
        userError: typed,
        ...(typed ? { kind: e.kind } : {}),
        ...(typed && e.field !== undefined ? { field: e.field } : {}),
      });
    }
  }
}
