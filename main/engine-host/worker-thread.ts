import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { releaseAbandonedLock } from '../../engine/node.js';
import type { ToWorker } from '../../engine/common.js';
import { superviseEngine, type EngineChild, type EngineLauncher, type SuperviseOptions } from './supervisor.js';

/** Where the bundled engine worker lives: beside the bundle that imports this (dist/node/). */
export function workerScript(): string {
  return fileURLToPath(new URL('./engine-worker.mjs', import.meta.url));
}

/**
 * A worker thread as an EngineChild. Its stderr is piped (and still shown on the host's stderr) so a
 * crash report can quote it; an uncaught error in the worker joins that tail before `exit`.
 */
export class WorkerThreadChild extends EventEmitter implements EngineChild {
  readonly stderr = new EventEmitter();
  readonly threadId: number;
  private readonly worker: Worker;

  constructor(script: string) {
    super();
    this.worker = new Worker(script, { stderr: true });
    this.threadId = this.worker.threadId;
    this.worker.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.stderr.emit('data', chunk);
    });
    this.worker.on('message', (m: unknown) => this.emit('message', m));
    this.worker.on('error', (e: Error) => this.stderr.emit('data', `${e.name}: ${e.message}\n`));
    this.worker.on('exit', (code: number) => this.emit('exit', code));
  }

  postMessage(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  kill(): boolean {
    void this.worker.terminate();
    return true;
  }
}

/**
 * The EngineLauncher of the CLI and the web host: one worker thread per sweep, supervised. A worker
 * shares the host's pid, so when it is stopped from outside its sweep lock is released here.
 *
 * @example const launch = workerThreadLauncher(); const h = launch({ profile, outDir }, onMessage);
 */
export function workerThreadLauncher(script = workerScript(), options: Omit<SuperviseOptions, 'onAbandoned'> = {}): EngineLauncher {
  return (request, onMessage) => {
    const child = new WorkerThreadChild(script);
    return superviseEngine(child, request, onMessage, {
      ...options,
      onAbandoned: () => releaseAbandonedLock(request.outDir, { pid: process.pid, threadId: child.threadId }),
    });
  };
}
