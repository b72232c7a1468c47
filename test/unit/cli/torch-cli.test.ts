import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsFile, writeSafetensorsFile } from '../../../engine/files/node-safetensors.js';
import { TORCH, reportSkip } from '../torch/torch-available.js';

reportSkip('cli/torch-cli.test.ts');

/** `convert`, `forward` and `verify --weights` as users run them: the built CLI (`npm test` builds first). */
const BIN = 'bin/fusebench.mjs';
const GOLDEN = 'test/golden';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'fb-cli-'));
const at = (name: string) => join(dir, name);

describe('fusebench convert, forward and verify --weights', () => {
  it('convert serial → grouped conv → serial gives back the same file contents, and records the layout', () => {
    const config = '{"batch":2,"groups":3,"channels":8,"height":5,"width":4,"squeeze":2}';
    const src = `${GOLDEN}/bottleneck.weights.safetensors`;
    let r = run('convert', '--family', 'bottleneck', '--config', config, '--to', 'parallel.groupedConv', src, at('grouped.safetensors'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/→ .*grouped\.safetensors \(parallel\.groupedConv\): 15 tensors; relErr .* of parallel\.im2colBatchedMatmul/);
    const grouped = readSafetensorsFile(at('grouped.safetensors'));
    expect(grouped.tensors['conv2.weight']!.shape).toEqual([12, 4, 3, 3]);
    expect(grouped.metadata).toMatchObject({ family: 'bottleneck', layout: 'parallel.groupedConv' });
    // The metadata carries the config, so --config may be left out.
    r = run(
      'convert',
      '--family',
      'bottleneck',
      '--from',
      'parallel.groupedConv',
      '--to',
      'serial',
      at('grouped.safetensors'),
      at('back.safetensors'),
    );
    expect(r.code).toBe(0);
    const original = readSafetensorsFile(src).tensors;
    const back = readSafetensorsFile(at('back.safetensors')).tensors;
    expect(Object.keys(back).sort()).toEqual(Object.keys(original).sort());
    for (const [k, t] of Object.entries(back))
      expect(Array.from(t.data as Float32Array), k).toEqual(Array.from(original[k]!.data as Float64Array, Math.fround));
  });

  it.each([
    [['convert', '--family', 'gmp', '--to', 'serial', 'only-one.safetensors'], /convert needs IN\.safetensors OUT\.safetensors, got 1/],
    [
      ['convert', '--family', 'bottleneck', '--to', 'parallel.nope', `${GOLDEN}/bottleneck.weights.safetensors`, 'x'],
      /no weight layout 'parallel\.nope'/,
    ],
    [
      ['convert', '--family', 'bottleneck', '--config', '{"groups":4}', '--to', 'serial', `${GOLDEN}/bottleneck.weights.safetensors`, 'x'],
      /does not hold bottleneck weights .* missing 'attention_convs\.3\.conv1\.weight'/,
    ],
    [
      ['forward', '--family', 'gmp', '--implementation', 'parallel.fusedMax', '--input', 'missing.safetensors', '--out', 'y'],
      /missing\.safetensors: cannot be opened \(ENOENT\)/,
    ],
    [
      [
        'forward',
        '--family',
        'batchnorm',
        '--implementation',
        'serial.batchNormLoop',
        '--config',
        '{"batch":3,"groups":3,"channels":4,"height":2,"width":3}',
        '--input',
        `${GOLDEN}/bottleneck.input.safetensors`,
        '--backend',
        'cpu',
        '--out',
        'y',
      ],
      /'input' is 2×8×5×4, expected 3×12×2×3 \(the layer input\)/,
    ],
    [
      [
        'forward',
        '--family',
        'gmp',
        '--implementation',
        'parallel.nope',
        '--input',
        `${GOLDEN}/gmp.input.safetensors`,
        '--backend',
        'cpu',
        '--out',
        'y',
      ],
      /gmp has no cpu implementation 'parallel\.nope'; use one of serial\.sliceMaxLoop/,
    ],
    [['verify', '--weights', `${GOLDEN}/gmp.weights.safetensors`], /--weights, --from, --prefix, --input and --expected need --family/],
    [['verify', '--backend', 'torch', '--device', 'tpu:0'], /--device must be auto, cpu or cuda:N/],
  ])('bad input %j exits 2 with one line naming the problem', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('forward writes output and gradients in PyTorch names; training without a probe is refused', () => {
    const common = ['forward', '--family', 'group-linear', '--weights', `${GOLDEN}/group-linear.weights.safetensors`, '--backend', 'cpu'];
    let r = run(
      ...common,
      '--implementation',
      'parallel.batchedMatmul',
      '--input',
      `${GOLDEN}/group-linear.input.safetensors`,
      '--mode',
      'training',
      '--out',
      at('y.safetensors'),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const y = readSafetensorsFile(at('y.safetensors'));
    expect(Object.keys(y.tensors).sort()).toEqual([
      'grad.fcs.0.bias',
      'grad.fcs.0.weight',
      'grad.fcs.1.bias',
      'grad.fcs.1.weight',
      'grad.fcs.2.bias',
      'grad.fcs.2.weight',
      'grad.fcs.3.bias',
      'grad.fcs.3.weight',
      'grad.input',
      'output',
    ]);
    expect(y.tensors['grad.fcs.0.weight']!.shape).toEqual([5, 6]);
    const input = readSafetensorsFile(`${GOLDEN}/group-linear.input.safetensors`);
    writeSafetensorsFile(at('x.safetensors'), { input: input.tensors.input! }, input.metadata);
    r = run(
      ...common,
      '--implementation',
      'serial.linearLoop',
      '--input',
      at('x.safetensors'),
      '--mode',
      'training',
      '--out',
      at('z.safetensors'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/x\.safetensors: has no tensor 'probe' \(training: shaped like the output, 3×20\)/);
  });

  it.skipIf(!TORCH)('forward on torch matches forward on cpu', () => {
    const args = [
      'forward',
      '--family',
      'class-head',
      '--weights',
      `${GOLDEN}/class-head.weights.safetensors`,
      '--input',
      `${GOLDEN}/class-head.input.safetensors`,
      '--mode',
      'training',
    ];
    expect(
      run(...args, '--implementation', 'parallel.einsum', '--backend', 'torch', '--device', 'cpu', '--out', at('t.safetensors')).code,
    ).toBe(0);
    expect(run(...args, '--implementation', 'parallel.batchedMatmul', '--backend', 'cpu', '--out', at('c.safetensors')).code).toBe(0);
    const t = readSafetensorsFile(at('t.safetensors')).tensors;
    const c = readSafetensorsFile(at('c.safetensors')).tensors;
    expect(Object.keys(t).sort()).toEqual(Object.keys(c).sort());
    for (const k of Object.keys(c)) {
      const a = c[k]!.data as Float32Array;
      const b = t[k]!.data as Float32Array;
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), k).toBeLessThan(1e-5 * (1 + Math.abs(a[i]!)));
    }
  });

  it('verify --weights checks the user weights on a TensorFlow.js backend', () => {
    const r = run(
      'verify',
      '--family',
      'batchnorm',
      '--weights',
      `${GOLDEN}/batchnorm.weights.safetensors`,
      '--backend',
      'cpu',
      '--seed',
      '3',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { pass: boolean }[]).map((row) => row.pass)).toEqual([true, true]);
  });

  it.skipIf(!TORCH)('verify --backend torch --weights prints a table with the device and passes', () => {
    const r = run(
      'verify',
      '--backend',
      'torch',
      '--device',
      'cpu',
      '--family',
      'class-linear',
      '--weights',
      `${GOLDEN}/class-linear.weights.safetensors`,
      '--seed',
      '4',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/class-linear +parallel\.einsum +training +torch \(cpu\)/);
    expect(r.out).toMatch(/6 passed, 0 failed \(seed 4\)/);
  });
});
