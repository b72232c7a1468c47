import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { float32 } from '../../../engine/core/host-tensor.js';
import { FrameReader, ProtocolError, decodeFrame, encodeFrame, type Frame } from '../../../engine/torch/framing.js';
import { torchWorkerPath } from '../../../engine/torch/worker-path.js';
import { TorchWorker } from '../../../engine/torch/worker-process.js';
import { TORCH, reportSkip, zombieChildren } from './torch-available.js';

reportSkip('torch/protocol.test.ts');

/** A frame's bytes with a given header text and payload (for malformed cases the encoder refuses to make). */
function rawFrame(headerText: string, payload = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 4 + h.length + payload.length, true);
  view.setUint32(4, h.length, true);
  out.set(h, 8);
  out.set(payload, 8 + h.length);
  return out;
}

describe('frames', () => {
  it('round-trip a header and tensors, whatever the chunking', () => {
    const bytes = encodeFrame(
      { id: 3, type: 'load', family: 'gmp' },
      {
        input: float32([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])),
        probe: { dtype: 'float64', shape: [1], data: Float64Array.from([Math.PI]) },
      },
    );
    for (const size of [1, 3, 7, bytes.length]) {
      const reader = new FrameReader();
      const frames: Frame[] = [];
      for (let i = 0; i < bytes.length; i += size) frames.push(...reader.push(bytes.subarray(i, i + size)));
      frames.push(...reader.push(bytes));
      expect(frames).toHaveLength(2);
      for (const f of frames) {
        expect(f.header).toMatchObject({ id: 3, type: 'load', family: 'gmp' });
        expect(Array.from(f.tensors.input!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(f.tensors.probe).toEqual({ dtype: 'float64', shape: [1], data: Float64Array.from([Math.PI]) });
      }
    }
  });

  it.each([
    ['a header that is not JSON', rawFrame('{"v": 1,'), /not UTF-8 JSON/],
    ['another protocol version', rawFrame('{"v": 2, "id": 1, "type": "hello"}'), /header field 'v'/],
    ['a header without an id', rawFrame('{"v": 1, "type": "hello"}'), /header field 'id'/],
    [
      'a tensor past the payload',
      rawFrame('{"v":1,"id":1,"type":"x","tensors":[{"name":"a","dtype":"f32","shape":[4],"offset":0,"length":16}]}'),
      /fall outside the 0-byte payload/,
    ],
    [
      'a tensor whose bytes do not fit its shape',
      rawFrame('{"v":1,"id":1,"type":"x","tensors":[{"name":"a","dtype":"f64","shape":[3],"offset":0,"length":16}]}', new Uint8Array(16)),
      /needs 24 bytes/,
    ],
  ])('refuse %s with a clear ProtocolError', (_what, bytes, message) => {
    expect(() => decodeFrame(bytes.subarray(4))).toThrow(ProtocolError);
    expect(() => decodeFrame(bytes.subarray(4))).toThrow(message);
  });

  it('refuse a length out of range', () => {
    expect(() => new FrameReader(1024).push(Uint8Array.from([0xff, 0xff, 0xff, 0x7f]))).toThrow(
      /frame length 2147483647 is outside 4\.\.1024/,
    );
  });
});

/** The Python worker driven by raw bytes: every malformed frame gets an error reply, never a hang. */
function rawWorker() {
  const child = spawn(TORCH!.python, ['-B', torchWorkerPath(), '--device', 'cpu', '--max-frame-bytes', '1000000'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const reader = new FrameReader();
  const frames: Frame[] = [];
  const waiting: ((f: Frame) => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    for (const f of reader.push(new Uint8Array(chunk))) (waiting.shift() ?? ((x: Frame) => frames.push(x)))(f);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    send: (bytes: Uint8Array) => child.stdin.write(bytes),
    next: () => new Promise<Frame>((resolve) => (frames.length > 0 ? resolve(frames.shift()!) : waiting.push(resolve))),
    end: () => child.stdin.end(),
    exited,
  };
}

describe.skipIf(!TORCH)('the torch worker process', () => {
  afterEach(async () => expect(await zombieChildren()).toEqual([]));

  it('answers malformed frames with an error and goes on; ends at end of input', async () => {
    const w = rawWorker();
    const cases: [Uint8Array, RegExp][] = [
      [rawFrame('{"v": 1, "id": 1'), /malformed frame: the header is not UTF-8 JSON/],
      [rawFrame('{"v": 9, "id": 2, "type": "hello"}'), /protocol version 9 is not supported; this worker speaks 1/],
      [
        rawFrame('{"v":1,"id":3,"type":"load","tensors":[{"name":"input","dtype":"f32","shape":[4],"offset":0,"length":16}]}'),
        /tensor 'input': bytes 0\.\.16 fall outside the 0-byte payload/,
      ],
      [
        rawFrame(
          '{"v":1,"id":4,"type":"load","tensors":[{"name":"input","dtype":"f16","shape":[1],"offset":0,"length":2}]}',
          new Uint8Array(2),
        ),
        /dtype 'f16' is not one of f32, f64/,
      ],
      [encodeFrame({ id: 5, type: 'frobnicate' }), /unknown message type 'frobnicate'/],
      [encodeFrame({ id: 6, type: 'load', family: 'nope' }), /family 'nope' is unknown; use one of replicate/],
      [
        encodeFrame(
          {
            id: 7,
            type: 'load',
            family: 'gmp',
            implementation: 'parallel.fusedMax',
            mode: 'inference',
            config: { batch: 2, groups: 3, channels: 4, height: 3, width: 5 },
          },
          { input: float32([2, 3], new Float32Array(6)) },
        ),
        /input is 2x3, gmp with this config takes 2x12x3x5/,
      ],
      [encodeFrame({ id: 8, type: 'run', handle: 41 }), /handle 41 is not loaded/],
    ];
    for (const [bytes, message] of cases) {
      w.send(bytes);
      const reply = await w.next();
      expect(reply.header.type).toBe('error');
      expect(reply.header.message).toMatch(message);
    }
    w.send(encodeFrame({ id: 9, type: 'hello' }));
    expect((await w.next()).header).toMatchObject({ id: 9, type: 'hello', protocol: 1 });
    w.end();
    expect(await w.exited).toBe(0);
  });

  it('stops with an error on a length it cannot trust, or input that ends inside a frame', async () => {
    const w = rawWorker();
    w.send(Uint8Array.from([0xff, 0xff, 0xff, 0x7f]));
    expect((await w.next()).header.message).toMatch(/malformed input, stopping: frame length 2147483647 is outside 4\.\.1000000/);
    expect(await w.exited).toBe(2);
    const cut = rawWorker();
    cut.send(encodeFrame({ id: 1, type: 'hello' }).subarray(0, 10));
    cut.end();
    expect((await cut.next()).header.message).toMatch(/input ended/);
    expect(await cut.exited).toBe(2);
  });
});

describe.skipIf(!TORCH)('TorchWorker supervision', () => {
  afterEach(async () => expect(await zombieChildren()).toEqual([]));
  const config = { batch: 2, groups: 4, channels: 16, height: 16, width: 16, squeeze: 2 };
  const input = float32([2, 16, 16, 16], new Float32Array(2 * 16 * 16 * 16).fill(0.5));

  async function busy(worker: TorchWorker) {
    const { handle } = await worker.load({
      family: 'replicate',
      implementation: 'serial.concatLoop',
      config: { ...config, squeeze: undefined },
      mode: 'inference',
      weights: {},
      input,
    });
    return worker.run(handle, 10_000_000);
  }

  it('a worker killed mid-run fails that request and every later one with a clear error, and is reaped', async () => {
    const worker = await TorchWorker.start({ device: 'cpu' });
    const pid = worker.pid!;
    const running = busy(worker);
    setTimeout(() => process.kill(pid, 'SIGKILL'), 500);
    await expect(running).rejects.toThrow(/^torch worker: it was killed by SIGKILL during 'run'/);
    await expect(worker.result(1)).rejects.toThrow(/cannot result: it has stopped \(it was killed by SIGKILL\)/);
    await worker.dispose();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('dispose while a request runs stops the worker at once and fails that request', async () => {
    const worker = await TorchWorker.start({ device: 'cpu' });
    const pid = worker.pid!;
    const failure = busy(worker).then(
      () => undefined,
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await worker.dispose();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await failure)?.message).toMatch(/it was disposed while busy during '(load|run)'/);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('a request that outlives its timeout stops the worker', async () => {
    const worker = await TorchWorker.start({ device: 'cpu' });
    const pid = worker.pid!;
    const { handle } = await worker.load({
      family: 'replicate',
      implementation: 'serial.concatLoop',
      config: { batch: 2, groups: 4, channels: 16, height: 16, width: 16 },
      mode: 'inference',
      weights: {},
      input,
    });
    await expect(worker.run(handle, 10_000_000, 300)).rejects.toThrow(/did not answer within 0\.3 s and was stopped during 'run'/);
    await worker.dispose();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('a worker that writes something other than frames, or a reply that breaks the schema, is refused and stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-fake-'));
    const junk = join(dir, 'junk.py');
    writeFileSync(junk, "import sys, time\nsys.stdout.write('hello from a stray print\\n'); sys.stdout.flush(); time.sleep(30)\n");
    await expect(TorchWorker.start({ python: TORCH!.python, workerPath: junk })).rejects.toThrow(
      /sent bytes that are not a frame \(torch worker protocol: frame length \d+ is outside/,
    );
    const liar = join(dir, 'liar.py');
    writeFileSync(
      liar,
      [
        'import sys, json, struct',
        'sys.stdin.buffer.read(4)',
        "h = json.dumps({'v': 1, 'id': 1, 'type': 'hello', 'protocol': 'one'}).encode()",
        "sys.stdout.buffer.write(struct.pack('<II', 4 + len(h), len(h)) + h); sys.stdout.flush()",
        'sys.stdin.buffer.read()',
      ].join('\n'),
    );
    await expect(TorchWorker.start({ python: TORCH!.python, workerPath: liar })).rejects.toThrow(
      /sent a malformed 'hello' reply \(field 'protocol'/,
    );
  });

  it('start fails with the reason when the interpreter or the device is missing', async () => {
    await expect(TorchWorker.start({ python: '/nonexistent/python3' })).rejects.toThrow(
      /could not be started: spawn \/nonexistent\/python3 ENOENT/,
    );
    if (!TORCH!.cudaAvailable)
      await expect(TorchWorker.start({ device: 'cuda:0' })).rejects.toThrow(/--device cuda:0: CUDA is not available to torch/);
  });
});
