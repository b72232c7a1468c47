/**
 * Runs engine/torch/scan.py once: one request on stdin, one answer on stdout, in a process of its own
 * (the user's model file runs there, never in the host). Bad input comes back as a FusebenchError naming
 * the field; a crash of scan.py or of the user's code as a ScanCrash (exit 3: not the user's input).
 */
import { spawn } from 'node:child_process';
import type { z } from 'zod';
import { BackendUnavailableError, FusebenchError } from '../core/errors.js';
import { findTorchPython } from '../backends/torch-python.js';
import { answerSchema, scanResultSchema, timeResultSchema, type ScanRequest, type ScanResult, type TimeResult } from './scan-protocol.js';
import { torchScriptPath } from './worker-path.js';

/** scan.py failed on its own (a bug, or the user's code crashed in a way scan did not foresee). */
export class ScanCrash extends Error {
  constructor(
    message: string,
    readonly trace?: string,
  ) {
    super(message);
    this.name = 'ScanCrash';
  }
}

export interface ScanRunOptions {
  /** The interpreter; by default the first Python that imports torch. */
  python?: string;
  /** What the user's code prints (scan.py sends it to stderr). */
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
}

async function interpreter(options: ScanRunOptions): Promise<string> {
  if (options.python) return options.python;
  const probe = await findTorchPython();
  if (!probe.found) throw new BackendUnavailableError('torch', probe.reason);
  return probe.python.python;
}

function runOnce(request: ScanRequest, options: ScanRunOptions): Promise<unknown> {
  return interpreter(options).then(
    (python) =>
      new Promise((resolve, reject) => {
        const child = spawn(python, [torchScriptPath('scan.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderrTail = '';
        const stop = () => child.kill('SIGKILL');
        options.signal?.addEventListener('abort', stop, { once: true });
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderrTail = (stderrTail + chunk).slice(-4000);
          options.onOutput?.(chunk);
        });
        child.on('error', (e) => reject(new BackendUnavailableError('torch', `${python} could not start: ${e.message}`)));
        child.on('close', (code, signal) => {
          options.signal?.removeEventListener('abort', stop);
          if (options.signal?.aborted) return reject(new FusebenchError('scan cancelled', 'usage'));
          const line = stdout.trim().split('\n').pop() ?? '';
          try {
            resolve(JSON.parse(line));
          } catch {
            const why = signal ? `was killed (${signal})` : `exited ${code}`;
            reject(
              new ScanCrash(`scan.py ${why} without an answer; its last output: ${stderrTail.trim().split('\n').slice(-5).join(' | ')}`),
            );
          }
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(JSON.stringify(request));
      }),
  );
}

async function ask<T>(request: ScanRequest, schema: z.ZodType<T>, options: ScanRunOptions): Promise<T> {
  const answer = answerSchema.safeParse(await runOnce(request, options));
  if (!answer.success) throw new ScanCrash(`scan.py answered outside its protocol: ${answer.error.issues[0]?.message ?? ''}`);
  const a = answer.data;
  if (!a.ok) {
    if ('internal' in a) throw new ScanCrash(`scan failed: ${a.message}`, a.trace);
    throw new FusebenchError(a.message, 'usage', a.field);
  }
  const result = schema.safeParse(a.result);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ScanCrash(`scan.py's answer is malformed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`);
  }
  return result.data;
}

/** Finds, rewrites and proves the sites (and writes the rewritten model with `outDir`). */
export function scanModel(request: Extract<ScanRequest, { command: 'scan' }>, options: ScanRunOptions = {}): Promise<ScanResult> {
  return ask(request, scanResultSchema, options);
}

/** One measurement pass in a fresh process: each target against the original model. */
export function timeTargets(request: Extract<ScanRequest, { command: 'time' }>, options: ScanRunOptions = {}): Promise<TimeResult> {
  return ask(request, timeResultSchema, options);
}
