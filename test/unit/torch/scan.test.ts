import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TORCH, reportSkip } from './torch-available.js';

reportSkip('torch/scan.test.ts');

/**
 * `fusebench scan` as users run it (the built CLI): the seed's model and an independently written one,
 * each pattern alone, the models it must refuse, the rewritten model's load() against the original, and a
 * measured whole-model speedup. docs/scan.md describes what it finds.
 */
const BIN = 'bin/fusebench.mjs';
const dir = mkdtempSync(join(tmpdir(), 'fb-scan-'));

interface Site {
  path: string;
  pattern: string;
  branches: number;
  family: string | null;
  implementation: string | null;
  config: Record<string, unknown> | null;
  fusable: boolean;
  reason?: string;
  chainedTo?: string;
}

function scan(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'scan', ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function scanJson(...args: string[]) {
  const r = scan(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as { sites: Site[]; whole: Record<string, unknown> & { sitesFused: string[]; proof: { pass: boolean } } };
}

function python(script: string, ...args: string[]): string {
  const r = spawnSync(TORCH!.python, [script, ...args], { encoding: 'utf8', timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const SEED = 'test/models/seed_attribute.py';
const SEED_KWARGS = '{"in_planes":16,"group_channels":8,"nclasses_per_group":[2,1,3,2],"class_channels":6}';
const PATTERNS = 'test/models/patterns.py';

describe.skipIf(!TORCH)('fusebench scan', () => {
  it("finds the seed model's four sites, rewrites them with its trained weights, and load() computes the same function", () => {
    const weights = join(dir, 'seed.pt');
    python('test/pytorch/scan_weights.py', SEED, 'AttributeModel', SEED_KWARGS, weights, '4');
    const out = join(dir, 'seed');
    const r = scanJson(`${SEED}:AttributeModel`, '--kwargs', SEED_KWARGS, '--input-shape', '2,16,5,4', '--weights', weights, '--out', out);
    const by = Object.fromEntries(r.sites.map((s) => [s.path, s]));
    expect(Object.keys(by).sort()).toEqual(['attention_convs', 'class_fcs', 'fcs', 'gmp']);
    expect(by.attention_convs).toMatchObject({
      family: 'bottleneck',
      branches: 4,
      fusable: true,
      config: { groups: 4, channels: 8, squeeze: 2, height: 5, width: 4, batch: 2 },
    });
    expect(by.gmp).toMatchObject({ family: 'gmp', branches: 4, chainedTo: 'attention_convs', config: { groups: 4, channels: 8 } });
    expect(by.class_fcs).toMatchObject({
      family: 'class-linear',
      branches: 8,
      config: { classesPerGroup: [2, 1, 3, 2], groupChannels: 8, classChannels: 6 },
    });
    expect(by.fcs).toMatchObject({ family: 'class-head', branches: 8, config: { classes: 8, classChannels: 6, reduction: 2 } });
    expect(r.whole.sitesFused.sort()).toEqual(['attention_convs', 'class_fcs', 'fcs']);
    expect(r.whole.proof.pass).toBe(true);
    for (const f of ['fused_model.py', 'fused.safetensors', 'fusebench_fused.py', 'fusebench_layers.py', 'scan.json', 'report.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('fusing 4 of 4 sites');
    const check = JSON.parse(
      python('test/pytorch/check_fused.py', out, SEED, 'AttributeModel', SEED_KWARGS, weights, '2,16,5,4'),
    ) as Record<string, { output: number; inputGrad: number }>;
    for (const mode of ['eval', 'train']) {
      expect(check[mode]!.output, mode).toBeLessThan(1e-4);
      expect(check[mode]!.inputGrad, mode).toBeLessThan(1e-3);
    }
  });

  it('finds the same sites in the seed model written independently (other names, orders, sizes)', () => {
    const weights = join(dir, 'variant.safetensors');
    python('test/pytorch/scan_weights.py', 'test/models/seed_variant.py', 'MultiHeadAttr', '{}', weights, '9');
    const r = scanJson('test/models/seed_variant.py:MultiHeadAttr', '--input-shape', '3,6,4,5', '--weights', weights);
    const summary = r.sites.map((s) => [s.path, s.family, s.branches, s.fusable]);
    expect(summary).toEqual([
      ['heads', 'bottleneck', 3, true],
      ['forward:adaptive_max_pool2d', 'gmp', 3, true],
      ['classifiers', 'class-linear', 5, true],
      ['logit_heads', 'class-head', 5, true],
    ]);
    expect(r.sites[0]!.config).toMatchObject({ channels: 8, squeeze: 4 });
    expect(r.sites[2]!.config).toMatchObject({ classesPerGroup: [1, 2, 2] });
    expect(r.sites[3]!.config).toMatchObject({ reduction: 4 });
    expect(r.whole.proof.pass).toBe(true);
  });

  it.each([
    ['ReplicateLoop', '2,3,5,4', { pattern: 'replicate', family: 'replicate', branches: 4, config: { groups: 4, channels: 3 } }],
    ['PoolPerSlice', '2,12,3,5', { path: 'pool', pattern: 'gmp', family: 'gmp', branches: 3, config: { groups: 3, channels: 4 } }],
    ['PerClassLinear', '2,3,5', { path: 'heads', family: 'class-linear', branches: 6, config: { classesPerGroup: [1, 3, 2] } }],
    ['PerClassHead', '3,4,6', { path: 'towers', family: 'class-head', branches: 4, config: { classes: 4, reduction: 2 } }],
    ['SliceLinear', '2,12', { path: 'experts', family: 'group-linear', branches: 3, config: { groups: 3, inFeatures: 4, outFeatures: 6 } }],
    ['SliceNorm', '4,6,3,3', { path: 'norms', family: 'batchnorm', branches: 3, config: { groups: 3, channels: 2 } }],
    ['ConvHeads', '2,3,6,5', { path: 'a+b+c', family: null, implementation: 'concatConv', branches: 3 }],
    ['Experts', '2,3,6,5', { path: 'experts', family: null, implementation: 'vmap', branches: 4 }],
    ['NormedExperts', '2,2,5,5', { path: 'experts', family: null, implementation: 'vmap', branches: 3 }],
  ])('%s: one site, fused and proved', (model, shape, expected) => {
    const r = scanJson(`${PATTERNS}:${model}`, '--input-shape', shape);
    expect(r.sites).toHaveLength(1);
    expect(r.sites[0]).toMatchObject({ ...expected, fusable: true });
    expect(r.whole.sitesFused).toEqual([r.sites[0]!.path]);
    expect(r.whole.proof.pass).toBe(true);
  });

  it('calls nothing fusable that is not: other hyperparameters, other inputs, chained blocks', () => {
    expect(scanJson(`${PATTERNS}:MixedKernels`, '--input-shape', '2,3,6,5').sites).toMatchObject([
      { path: 'paths', fusable: false, reason: 'kernel sizes differ: 1, 3, 5' },
    ]);
    const two = scanJson(`${PATTERNS}:TwoInputs`, '--input-shape', '2,3,6,5');
    expect(two.sites).toMatchObject([{ fusable: false, reason: expect.stringMatching(/different tensors .* not equal slices of one/) }]);
    expect(two.whole.sitesFused).toEqual([]);
    expect(scanJson(`${PATTERNS}:Chained`, '--input-shape', '2,3,6,5').sites).toEqual([]);
  });

  it('refuses what it cannot read with exit 2 naming the field and the fix', () => {
    const traced = scan(`${PATTERNS}:DataDependent`, '--input-shape', '2,3,6,5');
    expect(traced.code).toBe(2);
    expect(traced.err).toMatch(/torch\.fx cannot trace DataDependent \(at patterns\.py:\d+: n = 2 if x\.mean\(\) > 0 else 3\)/);
    const missing = scan(`${PATTERNS}:NoSuchModel`, '--input-shape', '2,3');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/has no nn\.Module class 'NoSuchModel'; its nn\.Module classes: .*ReplicateLoop/);
    const shape = scan(`${PATTERNS}:ConvHeads`, '--input-shape', '2,5,6,5');
    expect(shape.code).toBe(2);
    expect(shape.err).toMatch(/does not run on input shape \[2, 5, 6, 5\]/);
    expect(scan(`${PATTERNS}:ConvHeads`).err).toMatch(/--input-shape is required/);
    expect(scan('model.txt:Net', '--input-shape', '1').err).toMatch(/FILE\.py:ClassName/);
    const wrongWeights = join(dir, 'wrong.pt');
    python('test/pytorch/scan_weights.py', PATTERNS, 'Experts', '{"count": 3}', wrongWeights, '1');
    const mismatch = scan(`${PATTERNS}:Experts`, '--input-shape', '2,3,6,5', '--weights', wrongWeights);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(/does not fit the model: missing experts\.3\..*check --kwargs/);
  });

  it('--measure gives every fused site and the whole model a paired speedup with its interval and verdict', () => {
    // --keep-slower: a site measured slower would otherwise leave the rewrite (and the whole model unmeasured).
    const r = scan(
      `${PATTERNS}:ReplicateLoop`,
      '--input-shape',
      '2,3,5,4',
      '--mode',
      'training',
      '--measure',
      '--passes',
      '2',
      '--keep-slower',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { whole: Record<string, unknown>; sites: Record<string, unknown>[] };
    for (const target of [report.whole, report.sites[0]!]) {
      expect(target).toMatchObject({ mode: 'training', verdict: expect.stringMatching(/^(faster|slower|within-noise)$/) });
      expect(target.speedupLow as number).toBeLessThanOrEqual(target.speedup as number);
      expect(target.speedupHigh as number).toBeGreaterThanOrEqual(target.speedup as number);
      expect(target.measurement).toMatchObject([{ mode: 'training', passes: 2 }]);
    }
  });
});
