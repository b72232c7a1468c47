/**
 * Supervises one engine process: forwards its messages, turns a crash into a `failed` message and
 * makes cancel stick. It talks to the child through the small interface below, which Electron's
 * UtilityProcess satisfies, so the crash handling is unit-tested without Electron.
 */
import type { SweepFilesRequest } from '../../engine/sweep/node-sweep.js';
import type { SweepHandle } from '../../engine/worker/node-host.js';
import type { FromWorker, ToWorker } from '../../engine/worker/protocol.js';

/** The parts of Electron's UtilityProcess used here. */
export interface EngineChild {
  postMessage(message: ToWorker): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
  readonly stderr?: { on(event: 'data', listener: (chunk: Buffer | string) => void): unknown } | null;
}

type Final = Extract<FromWorker, { type: 'done' | 'failed' }>;

/** How long a cancelled engine may take to write its partial results before it is killed. */
export const CANCEL_GRACE_MS = 15_000;
const STDERR_TAIL = 2_000;

function isFromWorker(m: unknown): m is FromWorker {
  const type = (m as { type?: unknown } | null)?.type;
  return type === 'progress' || type === 'point' || type === 'done' || type === 'failed';
}

/**
 * Starts `request` in `child` and reports every message to `onMessage`; the last one is always `done`
 * or `failed`, even when the process dies without a word (native crash, out of memory, killed).
 *
 * @example const h = superviseEngine(utilityProcess.fork(script), request, (m) => show(m)); await h.finished;
 */
export function superviseEngine(child: EngineChild, request: SweepFilesRequest, onMessage: (m: FromWorker) => void, graceMs = CANCEL_GRACE_MS): SweepHandle {
  let stderr = '';
  let final: Final | undefined;
  let cancelTimer: ReturnType<typeof setTimeout> | undefined;
  let killedAfterCancel = false;
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-STDERR_TAIL);
  });
  const finished = new Promise<Final>((resolve) => {
    child.on('message', (m) => {
      if (final || !isFromWorker(m)) return;
      if (m.type === 'done' || m.type === 'failed') {
        final = m;
        child.kill();
      }
      onMessage(m);
    });
    child.on('exit', (code) => {
      clearTimeout(cancelTimer);
      if (!final) {
        const why = killedAfterCancel
          ? `the engine did not stop within ${graceMs / 1000} s of cancel and was stopped; finished points are in the run's journal`
          : `the engine process exited unexpectedly (code ${code})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        final = { type: 'failed', message: why, userError: false };
        onMessage(final);
      }
      resolve(final);
    });
  });
  child.postMessage({ type: 'sweep', request });
  return {
    cancel() {
      if (final || cancelTimer) return;
      child.postMessage({ type: 'cancel' });
      cancelTimer = setTimeout(() => {
        killedAfterCancel = true;
        child.kill();
      }, graceMs);
    },
    finished,
  };
}
