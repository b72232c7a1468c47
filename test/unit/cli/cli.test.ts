import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FAMILIES, getFamily, MODES } from '../../../engine/index.js';
import { implementationsOn } from '../../../engine/families/index.js';
import { BACKENDS, KNOWN_DEFECTS, knownDefect, type BackendName } from '../../../engine/core/backend-names.js';

/** The CLI as users run it: the built bundle through bin/fusebench.mjs (`npm test` builds first). */
const BIN = 'bin/fusebench.mjs';

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('fusebench CLI', () => {
  it('is built', () => expect(existsSync('dist/node/cli.mjs'), 'run npm run build first').toBe(true));

  it('--help on every command prints that command’s usage and exits 0, never "unknown option"', () => {
    // The commands as the top-level help lists them, so a new command is covered without editing this test.
    const commands = [...new Set([...run('--help').out.matchAll(/^ {2}fusebench (\w+)/gm)].map((m) => m[1]!))];
    expect(commands).toEqual(expect.arrayContaining(['families', 'sweep', 'report', 'serve']));
    for (const command of commands) {
      for (const flag of ['--help', '-h']) {
        const r = run(command, flag);
        expect(r.code, `${command} ${flag}: ${r.err}`).toBe(0);
        expect(r.out, command).toMatch(new RegExp(`^usage: fusebench ${command}\\b`));
        expect(r.err, command).toBe('');
      }
    }
    // Options after the command are still checked as before.
    expect(run('serve', '--nonsense').code).toBe(2);
  });

  it('families --json lists every family with implementations and defaults', () => {
    const r = run('families', '--json');
    expect(r.code).toBe(0);
    const families = JSON.parse(r.out) as {
      name: string;
      implementations: { name: string; backends: string[]; pytorch?: string; weights: string }[];
      config: Record<string, unknown>;
      shapes: { typescript: { input: number[] }; pytorch: { input: number[] } };
    }[];
    expect(families.map((f) => f.name)).toEqual([
      'replicate',
      'bottleneck',
      'gmp',
      'class-linear',
      'group-linear',
      'batchnorm',
      'class-head',
      'attribute-head',
    ]);
    const bottleneck = families.find((f) => f.name === 'bottleneck')!;
    const names = bottleneck.implementations.map((i) => i.name);
    // Every TypeScript implementation, then the torch-only ones (#16: they were missing).
    expect(names.slice(0, getFamily('bottleneck').implementations.length)).toEqual(
      getFamily('bottleneck').implementations.map((i) => i.name),
    );
    const grouped = bottleneck.implementations.find((i) => i.name === 'parallel.groupedConv')!;
    expect(grouped).toMatchObject({ backends: ['torch'], weights: 'parallel.groupedConv' });
    expect(grouped.pytorch).toMatch(/Conv2d\(groups=g\)/);
    expect(bottleneck.implementations.find((i) => i.name === 'parallel.im2colBatchedMatmul')!.backends).toEqual([
      'tensorflow',
      'webgpu',
      'wasm',
      'cpu',
      'torch',
    ]);
    // A WGSL kernel runs on webgpu only and keeps the im2col form's weights.
    expect(bottleneck.implementations.find((i) => i.name === 'parallel.groupedConvWgsl')).toMatchObject({
      backends: ['webgpu'],
      weights: 'parallel.im2colBatchedMatmul',
    });
    expect(bottleneck.config).toEqual({ batch: 32, groups: 12, channels: 512, height: 14, width: 14, squeeze: 2 });
    // Shapes in the layout of the side they describe: NHWC in TypeScript, NCHW in PyTorch.
    expect(bottleneck.shapes.typescript.input).toEqual([32, 14, 14, 512]);
    expect(bottleneck.shapes.pytorch.input).toEqual([32, 512, 14, 14]);
    expect(families.find((f) => f.name === 'group-linear')!.implementations.map((i) => i.name)).toContain('parallel.einsum');
  });

  it('formulas --json gives the seed parameter count', () => {
    const r = run('formulas', '--family', 'bottleneck', '--config', '{"groups":12,"channels":512}', '--json');
    expect(r.code).toBe(0);
    const f = JSON.parse(r.out) as Record<string, unknown>;
    expect(f).toMatchObject({ family: 'bottleneck', params: 10_248_192 });
    for (const key of ['config', 'flops', 'activationBytes', 'predictedPeakBytes']) expect(f).toHaveProperty(key);
  });

  it('verify --json passes every family × implementation × mode on wasm', () => {
    const r = run('verify', '--backend', 'wasm', '--json', '--seed', '17');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as {
      family: string;
      implementation: string;
      mode: string;
      backend: string;
      relErr: number;
      maxAbs: number;
      pass: boolean;
    }[];
    // Every implementation but each family's reference, in both modes.
    expect(rows.length).toBe(FAMILIES.reduce((n, f) => n + (implementationsOn(f, 'wasm').length - 1) * MODES.length, 0));
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['family', 'implementation', 'mode', 'backend', 'relErr', 'maxAbs', 'pass']));
      expect(row.pass || knownDefect(row.backend as BackendName, row.family, row.implementation, row.mode) !== undefined).toBe(true);
    }
  });

  it.each([
    [
      ['formulas', '--family', 'bottleneck', '--config', '{"channels":513}'],
      /config.channels: must be divisible by squeeze \(2\), got 513/,
    ],
    [['formulas', '--family', 'nope'], /unknown family 'nope'; use one of replicate/],
    [['formulas', '--family', 'gmp', '--config', '{groups: 2}'], /--config is not valid JSON/],
    [['formulas'], /formulas needs --family/],
    [['verify', '--backend', 'tpu'], new RegExp(`--backend must be one of ${BACKENDS.join(', ')}`)],
    [['verify', '--config', '{"groups":2}'], /--config needs --family/],
    [['verify', '--backend', 'tensorflow'], /backend tensorflow is unavailable: .*not installed/],
    [['verify', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('bad input %j exits 2 with one line naming the problem', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it.each(KNOWN_DEFECTS.filter((d) => d.backend === 'wasm').map((d) => [d.implementation, d] as const))(
    'a failing check (%s, a known wasm defect) exits 1 and prints the seed to replay',
    (_name, defect) => {
      const r = run(
        'verify',
        '--family',
        defect.family,
        '--config',
        JSON.stringify(defect.reproduce.config),
        '--mode',
        defect.mode,
        '--backend',
        defect.backend,
        '--seed',
        String(defect.reproduce.seed),
      );
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${defect.implementation} differs`);
      expect(r.err).toMatch(new RegExp(`replay with --seed ${defect.reproduce.seed} \\(known backend defect`));
    },
  );

  it('env --json reports every backend, with the reason where unavailable', () => {
    const r = run('env', '--json');
    expect(r.code).toBe(0);
    const env = JSON.parse(r.out) as { backends: { name: string; available: boolean; reason?: string }[] };
    expect(env.backends.map((b) => b.name)).toEqual([...BACKENDS]);
    for (const b of env.backends) expect(b.available || (b.reason ?? '').length > 10).toBe(true);
  });
});
