import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { ToWorker } from '../../engine/common.js';
import { superviseEngine, type EngineChild, type EngineLauncher, type SuperviseOptions } from './supervisor.js';

/**
 * A forked Node process as an EngineChild: the isolation of Electron's utilityProcess (a native crash
 * or an out-of-memory takes only this process) for hosts without Electron, and the shape a worker in
 * another language (a later Python worker) takes. Structured-clone serialization keeps messages the
 * same as a worker thread's.
 */
export class ChildProcessChild extends EventEmitter implements EngineChild {
  readonly stderr: EventEmitter;
  private readonly child: ChildProcess;

  constructor(script: string, env: NodeJS.ProcessEnv = process.env) {
    super();
    this.child = fork(script, [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced', env });
    this.stderr = this.child.stderr!;
    this.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.child.on('message', (m: unknown) => this.emit('message', m));
    this.child.on('error', (e: Error) => this.stderr.emit('data', `${e.name}: ${e.message}\n`));
    this.child.on('exit', (code, signal) => this.emit('exit', code ?? (signal ? 128 : 1)));
  }

  postMessage(message: ToWorker): void {
    if (this.child.connected) this.child.send(message);
  }

  kill(): boolean {
    return this.child.kill('SIGKILL');
  }
}

/** An EngineLauncher with one child process per sweep. A killed child's lock is stale by its dead pid. */
export function childProcessLauncher(script: string, options: SuperviseOptions = {}): EngineLauncher {
  return (request, onMessage) => superviseEngine(new ChildProcessChild(script), request, onMessage, options);
}
