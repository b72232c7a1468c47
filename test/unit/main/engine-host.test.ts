import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { probeEnvironment, superviseEngine, type EngineChild } from '../../../main/engine-host/supervisor.js';
import { WorkerThreadChild } from '../../../main/engine-host/worker-thread.js';
import { ChildProcessChild } from '../../../main/engine-host/child-process.js';
import type { FromWorker, SweepFilesRequest, ToWorker } from '../../../engine/common.js';
import { SMALL_RESULTS } from '../renderer/fake-api.js';

/** Stands in for Electron's UtilityProcess: the same events and methods. */
class FakeChild extends EventEmitter implements EngineChild {
  posted: ToWorker[] = [];
  killed = 0;
  stderr = new EventEmitter();
  postMessage(m: ToWorker) {
    this.posted.push(m);
  }
  kill() {
    this.killed++;
    return true;
  }
}

const request = { profile: { name: 'smoke' }, outDir: '/tmp/x' } as unknown as SweepFilesRequest;
const done: FromWorker = {
  type: 'done',
  resultsPath: '/tmp/x/smoke.sweep.json',
  journalPath: '/tmp/x/smoke.sweep.ndjson',
  results: SMALL_RESULTS,
  resumedPoints: 0,
};

describe('engine supervision', () => {
  it('starts the sweep, forwards messages and stops the process when done', async () => {
    const child = new FakeChild();
    const seen: FromWorker['type'][] = [];
    const h = superviseEngine(child, request, (m) => seen.push(m.type));
    expect(child.posted).toEqual([{ type: 'sweep', request }]);
    child.emit('message', { type: 'progress', progress: { done: 0, total: 2 } });
    child.emit('message', done);
    expect(child.killed).toBe(1);
    child.emit('exit', 0);
    await expect(h.finished).resolves.toEqual(done);
    expect(seen).toEqual(['progress', 'done']);
  });

  it.each([
    [{ nonsense: true }, /message outside the protocol \(type: /],
    [{ type: 'progress', progress: {} }, /progress\.done/],
    [{ type: 'point', point: { key: 1 } }, /point\.key/],
    [{ ...done, resultsPath: 5 }, /resultsPath/],
    ['a string', /outside the protocol/],
  ])('fails the run and stops the engine on a message outside the protocol: %j', async (message, why) => {
    const child = new FakeChild();
    const seen: FromWorker[] = [];
    const h = superviseEngine(child, request, (m) => seen.push(m));
    child.emit('message', message);
    expect(child.killed).toBe(1);
    child.emit('message', done); // anything after the failure is ignored
    child.emit('exit', 0);
    const final = await h.finished;
    expect(final).toMatchObject({ type: 'failed', userError: false, message: expect.stringMatching(why) });
    expect(seen).toEqual([final]);
  });

  it('turns a crash into a failed message that quotes the engine’s stderr', async () => {
    const child = new FakeChild();
    const messages: FromWorker[] = [];
    const h = superviseEngine(child, request, (m) => messages.push(m));
    child.stderr.emit('data', Buffer.from('loading wasm\nFATAL: out of memory\n'));
    child.emit('exit', 134);
    const final = await h.finished;
    expect(final).toMatchObject({ type: 'failed', userError: false });
    expect(final.type === 'failed' && final.message).toMatch(/exited unexpectedly \(code 134\).*FATAL: out of memory/);
    expect(messages).toEqual([final]);
  });

  it('asks the engine to cancel, and stops it if it does not', async () => {
    vi.useFakeTimers();
    try {
      const child = new FakeChild();
      const h = superviseEngine(child, request, () => undefined, { graceMs: 1_000 });
      h.cancel();
      h.cancel();
      expect(child.posted.filter((m) => m.type === 'cancel')).toHaveLength(1);
      vi.advanceTimersByTime(999);
      expect(child.killed).toBe(0);
      vi.advanceTimersByTime(1);
      expect(child.killed).toBe(1);
      child.emit('exit', 15);
      await expect(h.finished).resolves.toMatchObject({
        type: 'failed',
        message: expect.stringMatching(/did not stop within 1 s of cancel/),
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('handles a real process that dies mid-sweep', async () => {
    const worker = new Worker("require('node:worker_threads').parentPort.once('message', () => process.exit(3));", { eval: true });
    const child = Object.assign(new EventEmitter(), {
      postMessage: (m: ToWorker) => worker.postMessage(m),
      kill: () => (void worker.terminate(), true),
    });
    worker.on('message', (m) => child.emit('message', m));
    worker.on('exit', (code) => child.emit('exit', code));
    const final = await superviseEngine(child, request, () => undefined).finished;
    expect(final).toEqual({ type: 'failed', message: 'the engine process exited unexpectedly (code 3)', userError: false });
  });
});

/** Engine stand-ins: scripts that crash the way a native backend can, run through each real adapter. */
function script(name: string, body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fb-engine-')), name);
  writeFileSync(file, body);
  return file;
}

describe('engine adapters (one supervisor for every kind of process)', () => {
  it('a worker thread that crashes is a failed run quoting its stderr and its uncaught error', async () => {
    const file = script(
      'crash.mjs',
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.once('message', () => { process.stderr.write('loading wasm\\n'); setTimeout(() => { throw new Error('kernel exploded'); }, 20); });\n",
    );
    const abandoned = vi.fn();
    const final = await superviseEngine(new WorkerThreadChild(file), request, () => undefined, { onAbandoned: abandoned }).finished;
    expect(final).toMatchObject({ type: 'failed', userError: false });
    expect(final.type === 'failed' && final.message).toMatch(/exited unexpectedly \(code 1\): loading wasm \| Error: kernel exploded/);
    expect(abandoned).toHaveBeenCalledTimes(1);
  });

  it('a child process that hangs on cancel is killed after the grace, and one that dies is reported', async () => {
    const hang = script('hang.mjs', "process.on('message', () => undefined); setInterval(() => undefined, 1000);\n");
    const h = superviseEngine(new ChildProcessChild(hang), request, () => undefined, { graceMs: 200 });
    h.cancel();
    await expect(h.finished).resolves.toMatchObject({
      type: 'failed',
      message: expect.stringMatching(/did not stop within 0.2 s of cancel/),
    });
    const die = script('die.mjs', "process.on('message', () => { process.stderr.write('Segmentation fault\\n'); process.exit(139); });\n");
    const final = await superviseEngine(new ChildProcessChild(die), request, () => undefined).finished;
    expect(final.type === 'failed' && final.message).toMatch(/exited unexpectedly \(code 139\): Segmentation fault/);
  });

  it('a child process that speaks the protocol finishes normally', async () => {
    const ok = script(
      'ok.mjs',
      `process.on('message', (m) => { if (m.type === 'sweep') { process.send({ type: 'progress', progress: { done: 1, total: 1 } }); process.send(${JSON.stringify(done)}); } });\n`,
    );
    const seen: string[] = [];
    const final = await superviseEngine(new ChildProcessChild(ok), request, (m) => seen.push(m.type)).finished;
    expect(final).toEqual(done);
    expect(seen).toEqual(['progress', 'done']);
  });
});

describe('backend probe', () => {
  it('resolves with the environment and stops the probe', async () => {
    const child = new FakeChild();
    const p = probeEnvironment(child);
    child.emit('message', { type: 'environment', environment: { tool: 'fusebench' } });
    await expect(p).resolves.toEqual({ tool: 'fusebench' });
    expect(child.killed).toBe(1);
  });

  it('rejects when the probe dies or hangs', async () => {
    const crashed = new FakeChild();
    const p = probeEnvironment(crashed);
    crashed.emit('exit', 1);
    await expect(p).rejects.toThrow(/probe exited unexpectedly \(code 1\)/);
    const hung = new FakeChild();
    await expect(probeEnvironment(hung, 20)).rejects.toThrow(/took over 0.02 s/);
    expect(hung.killed).toBe(1);
  });
});
