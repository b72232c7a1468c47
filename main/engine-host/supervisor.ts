/**
 * The one supervisor of engine processes, for every host: the CLI and the web host run the engine in
 * a worker thread, Electron in a utilityProcess, and a forked child process works the same way (a
 * Python worker will too). Each is adapted to EngineChild; the supervisor validates every message,
 * turns a crash or a silent exit into a `failed` message quoting the engine's last stderr lines, and
 * makes cancel stick: cancel → grace → kill.
 */
import { fromWorkerSchema } from '../../engine/node.js';
import { jsonPath, type Environment, type FromWorker, type SweepFilesRequest, type ToWorker } from '../../engine/common.js';

/** What the supervisor needs of an engine process; Electron's UtilityProcess has this shape already. */
export interface EngineChild {
  postMessage(message: ToWorker): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  /** Stops the process now; `exit` follows. */
  kill(): boolean;
  readonly stderr?: { on(event: 'data', listener: (chunk: Buffer | string) => void): unknown } | null;
}

export type FinalMessage = Extract<FromWorker, { type: 'done' | 'failed' }>;

/** A running sweep as a host sees it. */
export interface SweepHandle {
  cancel(): void;
  /** Resolves with the last message: `done` or `failed`; a crashed or killed engine is `failed` too. */
  finished: Promise<FinalMessage>;
}

/** Starts the engine off the host's main thread for one sweep; every message goes to `onMessage`. */
export type EngineLauncher = (request: SweepFilesRequest, onMessage: (m: FromWorker) => void) => SweepHandle;

/** How long a cancelled engine may take to write its partial results before it is killed. */
export const CANCEL_GRACE_MS = 15_000;
const STDERR_TAIL = 2_000;

export interface SuperviseOptions {
  graceMs?: number;
  /** Runs once the engine is gone without its own last word (crash, kill): the launcher tidies up after it (its sweep lock). */
  onAbandoned?: () => void;
}

/** The reason a message breaks the protocol, or undefined when it is a valid FromWorker. */
function protocolProblem(message: unknown): string | undefined {
  const parsed = fromWorkerSchema.safeParse(message);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${jsonPath(issue.path) || 'message'}: ${issue.message}`;
}

/**
 * Starts `request` in `child` and reports every message to `onMessage`; the last one is always `done`
 * or `failed`, even when the process dies without a word (native crash, out of memory, killed) or
 * sends something that is not the protocol.
 *
 * @example const h = superviseEngine(workerThreadChild(script), request, (m) => show(m)); await h.finished;
 */
export function superviseEngine(
  child: EngineChild,
  request: SweepFilesRequest,
  onMessage: (m: FromWorker) => void,
  options: SuperviseOptions = {},
): SweepHandle {
  const graceMs = options.graceMs ?? CANCEL_GRACE_MS;
  let stderr = '';
  let final: FinalMessage | undefined;
  let cancelTimer: ReturnType<typeof setTimeout> | undefined;
  let killedAfterCancel = false;
  const stderrTail = () => {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    return tail ? `: ${tail}` : '';
  };
  const finish = (m: FinalMessage) => {
    final = m;
    onMessage(m);
  };
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-STDERR_TAIL);
  });
  const finished = new Promise<FinalMessage>((resolve) => {
    child.on('message', (raw) => {
      if (final) return;
      const problem = protocolProblem(raw);
      if (problem) {
        finish({
          type: 'failed',
          message: `the engine sent a message outside the protocol (${problem}) and was stopped`,
          userError: false,
        });
        child.kill();
        return;
      }
      const m = raw as FromWorker;
      if (m.type === 'done' || m.type === 'failed') {
        finish(m);
        child.kill();
      } else onMessage(m);
    });
    child.on('exit', (code) => {
      clearTimeout(cancelTimer);
      if (!final) {
        finish({
          type: 'failed',
          message: killedAfterCancel
            ? `the engine did not stop within ${graceMs / 1000} s of cancel and was stopped; finished points are in the run's journal`
            : `the engine process exited unexpectedly (code ${code})${stderrTail()}`,
          userError: false,
          ...(killedAfterCancel ? { cancelled: true } : {}),
        });
        options.onAbandoned?.();
      }
      resolve(final!);
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
 * sweeps run (an engine process), never in a host's main thread, where a bad driver would kill it.
 */
export function probeEnvironment(child: Pick<EngineChild, 'on' | 'kill'>, timeoutMs = PROBE_TIMEOUT_MS): Promise<Environment> {
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
      const reply = m as ProbeReply | null;
      if (reply?.type === 'environment') settle(() => resolve(reply.environment));
      else if (reply?.type === 'failed') settle(() => reject(new Error(`probing the backends failed: ${reply.message}`)));
    });
    child.on('exit', (code) => settle(() => reject(new Error(`the backend probe exited unexpectedly (code ${code})`))));
  });
}
