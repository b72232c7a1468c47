/**
 * Supervises one engine process: forwards its messages, turns a crash into a `failed` message and
 * makes cancel stick. It talks to the child through the small interface below, which Electron's
 * UtilityProcess satisfies, so the crash handling is unit-tested without Electron.
 */
import type { Environment } from '../../engine/backends/environment.js';
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
export function superviseEngine(
  child: EngineChild,
  request: SweepFilesRequest,
  onMessage: (m: FromWorker) => void,
  graceMs = CANCEL_GRACE_MS,
): SweepHandle {
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

/** What environment-probe.ts posts back. */
export type ProbeReply = { type: 'environment'; environment: Environment } | { type: 'failed'; message: string };

/** How long loading and probing every backend may take (the wasm and Dawn start-ups dominate). */
export const PROBE_TIMEOUT_MS = 60_000;

/**
 * Asks a probe process which backends work. Probing loads native and GPU modules, so it runs where
 * sweeps run (a utility process), never in the main process, where a bad driver would kill the app.
 */
export function probeEnvironment(child: EngineChild, timeoutMs = PROBE_TIMEOUT_MS): Promise<Environment> {
  return new Promise<Environment>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      fn();
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`probing the backends took over ${timeoutMs / 1000} s`))), timeoutMs);
    child.on('message', (m) => {
      const reply = m as ProbeReply;
      if (reply?.type === 'environment') settle(() => resolve(reply.environment));
      else if (reply?.type === 'failed') settle(() => reject(new Error(`probing the backends failed: ${reply.message}`)));
    });
    child.on('exit', (code) => settle(() => reject(new Error(`the backend probe exited unexpectedly (code ${code})`))));
  });
}
