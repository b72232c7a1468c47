import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsFile, writeSafetensorsFile } from '../../../engine/files/node-safetensors.js';
import { takeCheckpoint } from '../../../engine/checkpoint.js';
import { worstOf } from '../../../engine/vector-error.js';
import { TORCH, reportSkip } from '../torch/torch-available.js';

reportSkip('cli/checkpoints.test.ts');

/**
 * Issue #16: a state_dict as PyTorch saves it, checked against the user's own outputs. The model is
 * built by test/pytorch/user_checkpoint.py (a PyTorch user's code, written apart from Fusebench's),
 * then the built CLI is run as a user runs it.
 */
const BIN = 'bin/fusebench.mjs';
const GOLDEN = 'test/golden';
const CONFIG = '{"batch":3,"groups":5,"channels":24,"height":7,"width":9,"squeeze":2}';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'fb-user-'));
const at = (name: string) => join(dir, name);

/** A copy of a safetensors file with one value of one tensor replaced. */
function withValue(src: string, dst: string, name: string, value: number): void {
  const bytes = readFileSync(src);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const entry = header[name]!;
  if (entry.dtype === 'F64') bytes.writeDoubleLE(value, 8 + n + entry.data_offsets[0]);
  else bytes.writeFloatLE(value, 8 + n + entry.data_offsets[0]);
  writeFileSync(dst, bytes);
}

describe.skipIf(!TORCH)('a PyTorch user’s checkpoint (torch)', () => {
  beforeAll(() => {
    for (const [sub, flags] of [
      ['clean', []],
      ['nudged', ['--nudge']],
    ] as const) {
      spawnSync('mkdir', ['-p', at(sub)]);
      const r = spawnSync(TORCH!.python, ['test/pytorch/user_checkpoint.py', at(sub), ...flags], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  }, 120_000);

  const user = (sub: string, name: string) => at(join(sub, name));
  const verifyArgs = (weights: string, expected: string, backend: string) => [
    'verify',
    '--family',
    'bottleneck',
    '--config',
    CONFIG,
    '--weights',
    weights,
    '--prefix',
    'head.',
    '--input',
    user('clean', 'x.safetensors'),
    '--expected',
    expected,
    '--backend',
    backend,
  ];

  it.each(['torch', 'cpu'])(
    'verify --expected on %s: every form matches the user’s training step (DataParallel names, int64 counters, a submodule)',
    (backend) => {
      const r = run(...verifyArgs(user('clean', 'model.safetensors'), user('clean', 'y.safetensors'), backend));
      expect(r.err).toMatch(/every name began with 'module\.' \(a DataParallel or DDP checkpoint\)/);
      expect(r.err).toMatch(/took the 90 tensors under 'head\.'/);
      expect(r.out).toMatch(/parallel\.blockDiagonalConv +training/);
      expect(r.out).toMatch(/0 failed \(against/);
      expect(r.code).toBe(0);
    },
    120_000,
  );

  it('a weight nudged by 1e-3 fails verify --expected, naming the form and what differs', () => {
    const r = run(...verifyArgs(user('nudged', 'model.safetensors'), user('clean', 'y.safetensors'), 'torch'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/serial\.branchLoop differs from .*y\.safetensors \(training, torch\): relErr .* in (output|gradient) /);
    const inference = run(...verifyArgs(user('nudged', 'model.safetensors'), user('clean', 'y-eval.safetensors'), 'cpu'));
    expect(inference.code).toBe(1);
    expect(inference.err).toMatch(/differs from .*y-eval\.safetensors \(inference, cpu\): relErr .* in output > /);
  }, 120_000);

  it('forward on torch takes the plain state_dict (int64 counters) and, in training, writes the state after the step', () => {
    const r = run(
      'forward',
      '--family',
      'bottleneck',
      '--config',
      CONFIG,
      '--implementation',
      'parallel.groupedConv',
      '--weights',
      user('clean', 'model.safetensors'),
      '--prefix',
      'head',
      '--input',
      user('clean', 'x.safetensors'),
      '--mode',
      'training',
      '--backend',
      'torch',
      '--out',
      at('step.safetensors'),
    );
    expect(r.err).not.toMatch(/internal error|ProtocolError/);
    expect(r.code).toBe(0);
    const y = readSafetensorsFile(at('step.safetensors')).tensors;
    const expected = readSafetensorsFile(user('clean', 'y.safetensors')).tensors;
    expect(y['state.attention_convs.0.bn1.running_mean']!.shape).toEqual([12]);
    // PyTorch counts the step: 3 training steps before the save, one now.
    expect(y['state.attention_convs.4.bn3.num_batches_tracked']).toEqual({ dtype: 'int64', shape: [], data: BigInt64Array.of(4n) });
    expect(expected['state.attention_convs.4.bn3.num_batches_tracked']!.data).toEqual(BigInt64Array.of(4n));
  }, 120_000);

  it('convert carries the counters and records config and layout: verify and forward read the file without --config or --from', () => {
    let r = run(
      'convert',
      '--family',
      'bottleneck',
      '--config',
      CONFIG,
      '--prefix',
      'head.',
      '--to',
      'parallel.groupedConv',
      user('clean', 'model.safetensors'),
      at('grouped.safetensors'),
    );
    expect(r.code).toBe(0);
    const grouped = readSafetensorsFile(at('grouped.safetensors'));
    expect(grouped.tensors['bn2.num_batches_tracked']!.data).toEqual(BigInt64Array.of(3n));
    r = run(
      'verify',
      '--family',
      'bottleneck',
      '--weights',
      at('grouped.safetensors'),
      '--input',
      user('clean', 'x.safetensors'),
      '--expected',
      user('clean', 'y.safetensors'),
      '--backend',
      'torch',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);
});

describe('checkpoints without friction (no PyTorch needed)', () => {
  const gmp = ['--family', 'gmp', '--implementation', 'parallel.fusedMax', '--input', `${GOLDEN}/gmp.input.safetensors`];

  it('a NaN weight is bad input naming the tensor, on every backend, before anything runs', () => {
    const weights = `${GOLDEN}/batchnorm.weights.safetensors`;
    withValue(weights, at('nan.safetensors'), 'bns.1.weight', NaN);
    for (const backend of ['cpu', ...(TORCH ? ['torch'] : [])]) {
      const r = run('verify', '--family', 'batchnorm', '--weights', at('nan.safetensors'), '--backend', backend, '--mode', 'training');
      expect(r.code).toBe(2);
      expect(r.err.trim()).toMatch(/weight 'bns\.1\.weight' holds 1 non-finite value\(s\) \(NaN at flat index 0\)/);
    }
  });

  it('a non-finite output, gradient or statistic fails a check: it never hides behind a finite part', () => {
    expect(worstOf([{ relErr: 1e-7 }, { relErr: NaN }, { relErr: 3e-6 }]).relErr).toBeNaN();
    expect(worstOf([{ relErr: NaN }, { relErr: 3e-6 }]).relErr).toBeNaN();
    expect(worstOf([{ relErr: 1e-7 }, { relErr: 3e-6 }]).relErr).toBe(3e-6);
  });

  it('verify --weights on a file with no config asks for --config instead of guessing one', () => {
    const plain = readSafetensorsFile(`${GOLDEN}/gmp.input.safetensors`);
    writeSafetensorsFile(at('plain-input.safetensors'), plain.tensors);
    const w = readSafetensorsFile(`${GOLDEN}/batchnorm.weights.safetensors`);
    writeSafetensorsFile(at('plain.safetensors'), w.tensors);
    const r = run('verify', '--family', 'batchnorm', '--weights', at('plain.safetensors'));
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^fusebench verify: give --config: the batchnorm config the checkpoint was made with, e\.g\. '\{/);
    const f = run('forward', ...gmp.slice(0, 4), '--input', at('plain-input.safetensors'), '--out', at('o.safetensors'));
    expect(f.code).toBe(2);
    expect(f.err).toMatch(/give --config/);
  });

  it('a WGSL kernel named on another backend is exit 2 before anything runs; convert to it writes the layout it shares', () => {
    const r = run(
      'forward',
      '--family',
      'gmp',
      '--implementation',
      'parallel.segmentedMaxWgsl',
      '--backend',
      'wasm',
      '--input',
      `${GOLDEN}/gmp.input.safetensors`,
      '--out',
      at('g.safetensors'),
    );
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(
      "fusebench forward: gmp has no wasm implementation 'parallel.segmentedMaxWgsl' (it runs on webgpu only); use one of serial.sliceMaxLoop, serial.sliceMaxPoolLoop, parallel.fusedMax, parallel.maxPoolReshape",
    );
    const c = run(
      'convert',
      '--family',
      'bottleneck',
      '--to',
      'parallel.groupedConvWgsl',
      `${GOLDEN}/bottleneck.weights.safetensors`,
      at('wgsl.safetensors'),
    );
    expect(c.code).toBe(0);
    expect(c.out).toMatch(
      /\(parallel\.im2colBatchedMatmul\) \(parallel\.groupedConvWgsl keeps its weights in the parallel\.im2colBatchedMatmul layout\)/,
    );
    expect(readSafetensorsFile(at('wgsl.safetensors')).metadata.layout).toBe('parallel.im2colBatchedMatmul');
  });

  it('takes a layer out of a whole model: module. stripped, --prefix, counters apart, other integers refused by name', () => {
    const f = (shape: number[]) => ({ dtype: 'float32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const counter = { dtype: 'int64' as const, shape: [], data: BigInt64Array.of(7n) };
    const sd = { 'module.head.bns.0.weight': f([4]), 'module.head.bns.0.num_batches_tracked': counter, 'module.stem.weight': f([2]) };
    const c = takeCheckpoint(sd, { source: 'm', prefix: 'head' });
    expect(Object.keys(c.tensors)).toEqual(['bns.0.weight']);
    expect(Object.keys(c.counters)).toEqual(['bns.0.num_batches_tracked']);
    expect(c.notes.join('\n')).toMatch(/began with 'module\.'.*\n.*took the 2 tensors under 'head\.'/);
    expect(() => takeCheckpoint(sd, { source: 'm', prefix: 'neck.' })).toThrow(
      /no tensor under --prefix 'neck\.'; its names begin with head\. \(2\), stem\. \(1\)/,
    );
    const mask = { dtype: 'int32' as const, shape: [2], data: Int32Array.of(1, 0) };
    expect(() => takeCheckpoint({ 'bns.0.mask': mask }, { source: 'm' })).toThrow(
      /'bns\.0\.mask' is int32: a layer's weights are F32 or F64/,
    );
  });
});
