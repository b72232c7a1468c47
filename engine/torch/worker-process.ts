import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { z } from 'zod';
import { BackendUnavailableError } from '../core/errors.js';
import type { HostTensor, HostTensors } from '../core/host-tensor.js';
import type { Mode } from '../core/types.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameReader, ProtocolError, encodeFrame, type Frame } from './framing.js';
import {
  byeReplySchema,
  errorReplySchema,
  freedReplySchema,
  helloReplySchema,
  loadedReplySchema,
  memoryReplySchema,
  profileReplySchema,
  ranReplySchema,
  resultReplySchema,
  type TorchHello,
  type TorchLoaded,
  type TorchMemory,
  type TorchProfile,
  type TorchTiming,
} from './messages.js';
import { findTorchPython } from '../backends/torch-python.js';
import { FAMILIES } from '../families/index.js';
import { torchWorkerPath } from './worker-path.js';

/**
 * Where the worker's implementations (its hello) differ from the families' `torch` lists, the one source
 * the engine plans from: a worker.py of another version. Undefined when they agree.
 */
function implementationsDiffer(worker: Readonly<Record<string, readonly string[]>>): string | undefined {
  for (const family of FAMILIES) {
    const mine = (family.torch ?? []).map((i) => i.name).join(', ');
    const theirs = (worker[family.name] ?? []).join(', ');
    if (mine !== theirs) return `${family.name}: the engine plans ${mine || 'no implementations'}, the worker has ${theirs || 'none'}`;
  }
  return undefined;
}

/** `auto`: CUDA device 0 where torch sees one, else the CPU. */
export type TorchDevice = 'auto' | 'cpu' | `cuda:${number}`;

export interface TorchWorkerOptions {
  /** The interpreter; by default the first Python that imports torch (FUSEBENCH_PYTHON, python3, /usr/bin/python3). */
  python?: string;
  device?: TorchDevice;
  /** Longest wait for any reply before the worker is stopped (default 5 minutes); `run` may set its own. */
  timeoutMs?: number;
  maxFrameBytes?: number;
  /** worker.py to start (default: torchWorkerPath()). */
  workerPath?: string;
}

/** How the worker should build and run a layer; `channelsLast` and `compile` are PyTorch's own options. */
export interface TorchLoadOptions {
  /** Module and input in torch.channels_last (4-D feature-map families only). */
  channelsLast?: boolean;
  /** Wrap the module in torch.compile (torch ≥ 2.0). */
  compile?: boolean;
  /** Compute in float64 (golden references) instead of float32. */
  dtype?: 'float32' | 'float64';
}

export interface TorchLoadRequest {
  family: string;
  implementation: string;
  /** The family's parsed config (engine/core/config.ts parseConfig). */
  config: object;
  mode: Mode;
  /** Serial weights under PyTorch names and layouts (engine/weights.ts exportWeights); the worker converts them. */
  weights: HostTensors;
  /** The input in PyTorch's layout (NCHW for feature maps). */
  input: HostTensor;
  /** Training: the tensor the loss multiplies the output by, shaped like the output (PyTorch layout). */
  probe?: HostTensor;
  options?: TorchLoadOptions;
}

/** One call's results, in PyTorch names and layouts. */
export interface TorchResult {
  output: HostTensor;
  /** Training: d sum(output·probe) / d input. */
  inputGrad?: HostTensor;
  /** Training: gradients of every serial parameter, under its serial PyTorch name. */
  grads: HostTensors;
  /** Training: BatchNorm running statistics after the step (momentum 0.1), serial names. */
  runningStats: HostTensors;
}

/**
 * The worker failed a request, stopped (a crash, an out-of-memory kill) or broke the protocol; the
 * message says which and why. Not a FusebenchError: nothing the user gave was wrong (what they give is
 * checked before the worker sees it), so hosts report it as a failure of the tool (CLI exit 3).
 */
export class TorchError extends Error {
  constructor(message: string) {
    super(`torch worker: ${message}`);
    this.name = 'TorchError';
  }
}

interface Pending {
  type: string;
  settle(frame: Frame | Error): void;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const live = new Set<TorchWorker>();
let exitHook = false;

/** A child must not outlive the engine: on exit every live worker is killed (stdin's EOF would end it too, later). */
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const w of live) w.kill();
  });
}

/**
 * A supervised PyTorch worker process speaking the framed protocol over stdio. One request at a time
 * is typical; requests queue in order. Every failure (an error reply, a timeout, the process dying,
 * a malformed frame) rejects with a TorchError that says what happened; dispose() always reaps it.
 *
 * @example
 * const worker = await TorchWorker.start({ device: 'auto' });
 * const { handle } = await worker.load({ family: 'gmp', implementation: 'parallel.fusedMax', config, mode: 'inference', weights: {}, input });
 * const { wallMs, deviceMs } = await worker.run(handle, 10);
 * await worker.dispose();
 */
export class TorchWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly reader: FrameReader;
  private stderr = '';
  private stopped?: string;
  private readonly closed: Promise<void>;
  private helloReply?: TorchHello;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly timeoutMs: number,
    maxFrameBytes: number,
  ) {
    this.reader = new FrameReader(maxFrameBytes);
    installExitHook();
    live.add(this);
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    // EPIPE when the worker died first: the 'close' handler reports that.
    child.stdin.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      child.on('error', (err) => this.fail(`could not be started: ${err.message}`));
      child.on('close', (code, signal) => {
        live.delete(this);
        this.fail(signal ? `was killed by ${signal}` : `exited with code ${code}`);
        resolve();
      });
    });
  }

  /** Starts a worker and exchanges hello; rejects with the reason when Python, torch or the device is missing. */
  static async start(options: TorchWorkerOptions = {}): Promise<TorchWorker> {
    let python = options.python;
    if (!python) {
      const probe = await findTorchPython();
      if (!probe.found) throw new BackendUnavailableError('torch', probe.reason);
      python = probe.python.python;
    }
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    // -B: no __pycache__ written beside an installed worker.
    const args = ['-B', options.workerPath ?? torchWorkerPath(), '--device', options.device ?? 'auto', '--max-frame-bytes', String(max)];
    const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const worker = new TorchWorker(child, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, max);
    try {
      worker.helloReply = (await worker.request('hello', {}, {}, helloReplySchema)).reply;
      const differs = implementationsDiffer(worker.helloReply.implementations);
      if (differs) throw new TorchError(`${differs}: the worker (${worker.helloReply.python}) is not this Fusebench's; run npm run build`);
      return worker;
    } catch (err) {
      await worker.dispose();
      throw err;
    }
  }

  /** torch and CUDA versions, the device, and the implementations this worker runs. */
  get info(): TorchHello {
    return this.helloReply!;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the worker stopped, once it has. */
  get stoppedBecause(): string | undefined {
    return this.stopped;
  }

  /** Builds the layer: weights converted in Python, parameters, input and probe created once on the device. */
  async load(r: TorchLoadRequest): Promise<TorchLoaded> {
    const tensors: HostTensors = { input: r.input, ...(r.probe ? { probe: r.probe } : {}) };
    for (const [name, t] of Object.entries(r.weights)) tensors[`weight.${name}`] = t;
    const fields = { family: r.family, implementation: r.implementation, config: r.config, mode: r.mode, options: r.options ?? {} };
    return (await this.request('load', fields, tensors, loadedReplySchema)).reply;
  }

  /** `calls` forward passes (or training steps) back to back, then the completion wait. */
  async run(handle: number, calls = 1, timeoutMs = this.timeoutMs): Promise<TorchTiming> {
    return (await this.request('run', { handle, calls }, {}, ranReplySchema, timeoutMs)).reply;
  }

  /** One call from the running statistics loaded: the output and, in training, gradients and statistics. */
  async result(handle: number): Promise<TorchResult> {
    const { tensors } = await this.request('result', { handle }, {}, resultReplySchema);
    const pick = (prefix: string) =>
      Object.fromEntries(
        Object.entries(tensors)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, t]) => [k.slice(prefix.length), t]),
      );
    const { input, ...grads } = pick('grad.');
    if (!tensors.output) throw new TorchError("result: the reply holds no 'output'");
    return { output: tensors.output, ...(input ? { inputGrad: input } : {}), grads, runningStats: pick('state.') };
  }

  /** Allocator-true peak over one call (CUDA); empty on CPU. */
  async memory(handle: number): Promise<TorchMemory> {
    return (await this.request('memory', { handle }, {}, memoryReplySchema)).reply;
  }

  /** Time per op over `calls` calls under torch's profiler (the heaviest 16 ops). */
  async profile(handle: number, calls = 3): Promise<TorchProfile> {
    return (await this.request('profile', { handle, calls }, {}, profileReplySchema)).reply;
  }

  async free(handle: number): Promise<void> {
    await this.request('free', { handle }, {}, freedReplySchema);
  }

  /**
   * Asks the worker to stop, kills it if it does not within 5 s, and waits until it is reaped. A worker
   * still busy with a request is killed at once: whoever disposes it no longer wants the answer.
   */
  async dispose(): Promise<void> {
    if (this.pending.size > 0) this.stop('was disposed while busy');
    if (!this.stopped && this.child.exitCode === null && this.child.signalCode === null) {
      const bye = this.request('shutdown', {}, {}, byeReplySchema, 5_000).catch(() => undefined);
      await Promise.race([bye, this.closed]);
    }
    const timer = setTimeout(() => this.kill(), 5_000);
    await this.closed;
    clearTimeout(timer);
  }

  /** Kills the process at once (SIGKILL); pending requests reject when it is gone. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Writes bytes as they are, bypassing framing: for protocol tests only. */
  writeRaw(bytes: Uint8Array): void {
    this.child.stdin.write(bytes);
  }

  private request<S extends z.ZodType>(
    type: string,
    fields: Record<string, unknown>,
    tensors: HostTensors,
    schema: S,
    timeoutMs = this.timeoutMs,
  ): Promise<{ reply: z.infer<S>; tensors: HostTensors }> {
    if (this.stopped) return Promise.reject(new TorchError(`cannot ${type}: it has stopped (it ${this.stopped})${this.stderrTail()}`));
    const id = this.nextId++;
    const frame = encodeFrame({ id, type, ...fields }, tensors);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(`did not answer within ${timeoutMs / 1000} s and was stopped`);
      }, timeoutMs);
      this.pending.set(id, {
        type,
        settle: (f) => {
          clearTimeout(timer);
          if (f instanceof Error) return reject(f);
          const error = errorReplySchema.safeParse(f.header);
          if (error.success) return reject(new TorchError(`${type}: ${error.data.message}`));
          const parsed = schema.safeParse(f.header);
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            const why = `sent a malformed '${type}' reply (field '${issue.path.join('.')}': ${issue.message})`;
            this.stop(why);
            return reject(new TorchError(why));
          }
          resolve({ reply: parsed.data, tensors: f.tensors });
        },
      });
      this.child.stdin.write(frame);
    });
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch (err) {
      const why = err instanceof ProtocolError ? err.message : String(err);
      return this.stop(`sent bytes that are not a frame (${why})`);
    }
    for (const f of frames) {
      const pending = this.pending.get(f.header.id);
      if (!pending) {
        // id 0: an error not tied to a request (malformed input, a device that cannot be used).
        const error = errorReplySchema.safeParse(f.header);
        this.stop(error.success ? `reported: ${error.data.message}` : `answered request ${f.header.id}, which was never sent`);
        continue;
      }
      this.pending.delete(f.header.id);
      pending.settle(f);
    }
  }

  /** Marks the worker stopped, kills it, and rejects everything pending with `why`. */
  private stop(why: string): void {
    this.fail(why);
    this.kill();
  }

  private fail(why: string): void {
    this.stopped ??= why;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.settle(new TorchError(`it ${this.stopped} during '${p.type}'${this.stderrTail()}`));
    }
  }

  private stderrTail(): string {
    const lines = this.stderr.trim().split('\n').filter(Boolean).slice(-3);
    return lines.length > 0 ? `; its last words: ${lines.join(' | ')}` : '';
  }
}
