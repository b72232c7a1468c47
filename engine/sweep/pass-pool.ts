import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FusebenchError } from '../core/errors.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import type { PassSpec } from '../measure/passes.js';
import type { TorchDevice } from '../torch/worker-process.js';
import { fromPassSchema, type FromPass, type ToPass } from './pass-protocol.js';
import type { PlannedGroup } from './expand.js';
import { passRequest, type PassRequest } from './measure-pass.js';

const STDERR_TAIL = 2_000;
/** Pass processes started together before a sweep's first point, at most (more start when a group needs them). */
export const PRESTARTED_PASSES = 5;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Where the bundled pass process is: beside the bundle that holds this code (dist/node/), or, when
 * the engine runs from its sources (tests), in dist/node/ of the checkout.
 */
export function passWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'engine-pass.mjs'), join(here, '..', '..', 'dist', 'node', 'engine-pass.mjs')];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new FusebenchError(`the engine's pass process is not built (looked for ${candidates.join(', ')}); run npm run build`, 'usage');
  return found;
}

/** One pass process: a forked Node, or a worker thread (own heap, same pid) where a host cannot fork Node. */
class PassProcess {
  private stderr = '';
  private nextId = 1;
  private pending?: { id: number; resolve(r: PointRecord[]): void; reject(e: Error): void };
  private exited?: string;
  /** Resolves once the process (or thread) is gone. */
  readonly closed: Promise<void>;
  private closedNow!: () => void;
  private readonly stop: () => void;
  private readonly send: (m: ToPass) => void;

  constructor(
    readonly serial: number,
    script: string,
    thread: boolean,
  ) {
    this.closed = new Promise((resolve) => (this.closedNow = resolve));
    const onMessage = (raw: unknown) => this.receive(raw);
    const onExit = (why: string) => this.gone(why);
    const onStderr = (chunk: Buffer | string) => {
      this.stderr = (this.stderr + String(chunk)).slice(-STDERR_TAIL);
    };
    if (thread) {
      const worker = new Worker(script, { stderr: true, stdout: true });
      worker.stderr.on('data', onStderr);
      worker.on('message', onMessage);
      worker.on('error', (e) => onStderr(`${e.name}: ${e.message}\n`));
      worker.on('exit', (code) => onExit(`exit code ${code}`));
      this.send = (m) => worker.postMessage(m);
      this.stop = () => void worker.terminate();
    } else {
      const child: ChildProcess = fork(script, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', execArgv: [] });
      child.stderr!.on('data', onStderr);
      child.on('message', onMessage);
      child.on('error', (e) => onStderr(`${e.name}: ${e.message}\n`));
      child.on('exit', (code, signal) => onExit(signal ? `signal ${signal}` : `exit code ${code}`));
      this.send = (m) => {
        if (child.connected) child.send(m);
      };
      this.stop = () => void child.kill('SIGKILL');
    }
  }

  private receive(raw: unknown): void {
    const parsed = fromPassSchema.safeParse(raw);
    if (!parsed.success) {
      this.fail(
        new FusebenchError(
          `the engine's pass process sent a malformed message (${parsed.error.issues[0]?.message}); it was stopped`,
          'backend',
        ),
      );
      this.kill();
      return;
    }
    const m: FromPass = parsed.data;
    if (m.id !== this.pending?.id) return;
    const { resolve } = this.pending;
    this.pending = undefined;
    if (m.type === 'failed') this.fail(new FusebenchError(m.message, 'backend'));
    else resolve(m.type === 'measured' ? m.records : []);
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private gone(why: string): void {
    this.exited = why;
    this.closedNow();
    const tail = this.stderr.trim().split('\n').slice(-3).join(' | ');
    this.fail(new FusebenchError(`the engine's pass process stopped (${why})${tail ? `: ${tail}` : ''}`, 'backend'));
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  private ask(message: DistributiveOmit<ToPass, 'id'>): Promise<PointRecord[]> {
    if (this.exited) return Promise.reject(new FusebenchError(`the engine's pass process stopped (${this.exited})`, 'backend'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.send({ ...message, id } as ToPass);
    });
  }

  measure(request: PassRequest): Promise<PointRecord[]> {
    return this.ask({ type: 'measure', request });
  }

  /** Starts what this process's passes will need (its PyTorch worker) before any timing. */
  async prepare(torchDevice?: TorchDevice): Promise<void> {
    await this.ask({ type: 'prepare', ...(torchDevice ? { torchDevice } : {}) });
  }

  kill(): void {
    this.stop();
  }
}

/**
 * Runs the passes of a sweep's point groups in processes of their own (DESIGN.md §4.9). Process k,
 * started with the sweep's first k-th pass, measures the k-th pass of every group, so each process
 * goes through the plan in order as a rerun would (its JIT and allocator warmed by the groups before,
 * as in any run) while the passes of one point stay independent. A pass measured again (a busy one)
 * goes to the first process that measured no pass of its group. A process that crashed or was stopped
 * by a cancel is replaced by a fresh one for the next pass; the pass in flight becomes an error.
 *
 * @example const pool = new PassPool({ torchDevice: 'auto' }); const records = await pool.measure(group, settings, FIRST_PASS); await pool.dispose();
 */
export class PassPool {
  private readonly processes: (PassProcess | undefined)[] = [];
  private serials = 0;
  /** Which processes (by index) measured a pass of each group, by the group's first point key. */
  private readonly used = new Map<string, Set<number>>();
  private readonly script: string;
  private readonly thread: boolean;

  constructor(private readonly options: { torchDevice?: TorchDevice; script?: string; thread?: boolean } = {}) {
    this.script = options.script ?? passWorkerPath();
    // Packaged Electron cannot run its binary as Node (runAsNode fuse): passes run in worker threads there.
    this.thread = options.thread ?? process.versions.electron !== undefined;
  }

  private processAt(slot: number): PassProcess {
    if (!this.processes[slot]?.alive) this.processes[slot] = new PassProcess(++this.serials, this.script, this.thread);
    return this.processes[slot]!;
  }

  /**
   * Starts the processes of the first `count` passes side by side (at most PRESTARTED_PASSES), each
   * with its PyTorch worker where the sweep has torch points, and waits for them: starting one costs
   * a second with torch, and none may start while another is timing. A process that fails to start
   * is not an error here: the pass that needs it tries again and reports why.
   */
  async start(count: number, torch: boolean): Promise<void> {
    const slots = Array.from({ length: Math.min(count, PRESTARTED_PASSES) }, (_, i) => this.processAt(i));
    await Promise.allSettled(slots.map((p) => p.prepare(torch ? (this.options.torchDevice ?? 'auto') : undefined)));
  }

  /** Measures one pass of `group` in the first process that measured none of its other passes. */
  async measure(group: PlannedGroup, settings: MeasureSettings, pass: PassSpec, signal?: AbortSignal): Promise<PointRecord[]> {
    const key = group.keys[0]!;
    const usedByGroup = this.used.get(key) ?? new Set<number>();
    this.used.set(key, usedByGroup);
    let slot = 0;
    while (usedByGroup.has(slot)) slot++;
    usedByGroup.add(slot);
    const process = this.processAt(slot);
    const request = passRequest(group, settings, pass, this.options.torchDevice);
    const onAbort = () => process.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await process.measure(request);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stops every pass process (their PyTorch workers end with them) and waits until they are gone. */
  async dispose(): Promise<void> {
    const live = this.processes.filter((p): p is PassProcess => p !== undefined);
    this.processes.length = 0;
    for (const p of live) p.kill();
    await Promise.all(live.map((p) => p.closed));
  }
}
