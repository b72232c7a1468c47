/**
 * Fusebench's GPU engine against the reference (issue #11, item 5). Runs the `gpu-check` profile on
 * webgpu (a `fusebench sweep` process), then prints, per family × mode (× groups where swept),
 * Fusebench's best point (the fastest implementation, serial or parallel, that passed its equivalence
 * check: wall median, with its device time) against the reference's best and their ratio; then fp32
 * matmul 4096² and the grouped 3×3 convolution at the seed's shape in TFLOP/s (device and wall).
 *
 * The reference: the torch backend's own sweep of the same profile where the torch backend can sweep,
 * else bench/pytorch-reference.py (PyTorch eager, CUDA) where python3 has CUDA PyTorch; the output says
 * which, or why there is none.
 *
 *   npm run bench:gpu [-- --quick] [-- --out DIR]
 *
 * `--quick` runs tiny shapes and few samples (a CPU through SwiftShader finishes in minutes): a check that
 * the bench works, not figures to compare.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../engine/backends/node.js';
import { deviceIdle } from '../engine/core/device-sync.js';
import { describeError } from '../engine/core/errors.js';
import { tf } from '../engine/core/tf.js';
import { batchedLinear, groupedConv } from '../engine/kernels/webgpu/index.js';
import type { PointRecord, SweepResults } from '../engine/files/schemas.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, out: { type: 'string' } } });
const quick = Boolean(values.quick);

let device: string;
try {
  device = (await useBackend('webgpu')).device ?? 'WebGPU adapter';
} catch (err) {
  console.error(`bench:gpu: webgpu is unavailable here, nothing to measure: ${describeError(err).replace(/\s+/g, ' ')}`);
  process.exit(1);
}

/** Tiny shapes of every family and mode: the bench's own end-to-end check, on any adapter. */
const QUICK_PROFILE = {
  schemaVersion: 2,
  name: 'gpu-check-quick',
  description: 'bench:gpu --quick: the gpu-check families at tiny shapes, few samples.',
  families: [
    { family: 'replicate', axes: { groups: [3] } },
    { family: 'bottleneck', axes: { groups: [1, 3] } },
    { family: 'gmp', axes: { groups: [3] } },
    { family: 'batchnorm', axes: { groups: [3] } },
    { family: 'group-linear', axes: { groups: [1, 3] }, fixed: { inFeatures: 8, outFeatures: 4 } },
    { family: 'class-linear', axes: {}, fixed: { classesPerGroup: [2, 1, 3], groupChannels: 8, classChannels: 4 } },
    { family: 'class-head', axes: {}, fixed: { classes: 4, classChannels: 4 } },
    {
      family: 'attribute-head',
      axes: { groups: [3] },
      fixed: { classesPerGroup: [2, 1, 3], inChannels: 8, groupChannels: 4, classChannels: 4 },
    },
  ],
  backends: ['webgpu'],
  modes: ['inference', 'training'],
  axes: { channels: [8], batch: [2] },
  fixed: { height: 4, width: 3 },
  measure: { warmupMs: 5, minSamples: 3, maxSamples: 3, targetCiWidth: 1, maxMsPerPoint: 100, seed: 1 },
};

const outDir = resolve(values.out ?? mkdtempSync(join(tmpdir(), 'fb-bench-gpu-')));
mkdirSync(outDir, { recursive: true });
const profilePath = quick ? join(outDir, 'gpu-check-quick.profile.json') : resolve('profiles/gpu-check.profile.json');
if (quick) writeFileSync(profilePath, JSON.stringify(QUICK_PROFILE, null, 2));
const cli = resolve('bin/fusebench.mjs');

/** One `fusebench sweep` process; its results, or the reason it has none. */
function sweep(backend: string): { results?: SweepResults; why?: string } {
  const dir = join(outDir, backend);
  const r = spawnSync(process.execPath, [cli, 'sweep', profilePath, '--backend', backend, '--out', dir, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const file = (() => {
    try {
      return readdirSync(dir).find((f) => f.endsWith('.sweep.json'));
    } catch {
      return undefined;
    }
  })();
  if (!file) return { why: (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}` };
  return { results: JSON.parse(readFileSync(join(dir, file), 'utf8')) as SweepResults };
}

console.log(`bench:gpu${quick ? ' --quick' : ''} · webgpu (${device}) · ${profilePath}`);
const started = performance.now();
const ours = sweep('webgpu');
if (!ours.results) {
  console.error(`bench:gpu: the webgpu sweep failed: ${ours.why}`);
  process.exit(1);
}
console.log(`webgpu sweep: ${ours.results.points.length} points in ${((performance.now() - started) / 1000).toFixed(0)} s → ${outDir}`);

/** Best = lowest wall median among equivalent points of one family × mode × groups. */
interface Best {
  ms: number;
  deviceMs?: number;
  implementation: string;
}

const groupsOf = (config: Record<string, unknown>) => (typeof config.groups === 'number' ? config.groups : undefined);
const slot = (family: string, mode: string, groups: number | undefined) => `${family}|${mode}|${groups ?? ''}`;

function bestOf(points: PointRecord[]): Map<string, Best> {
  const best = new Map<string, Best>();
  for (const p of points) {
    if (p.status !== 'ok' || !p.time || p.equivalence?.pass === false) continue;
    const key = slot(p.family, p.mode, groupsOf(p.config));
    const now = best.get(key);
    if (!now || p.time.medianMs < now.ms) {
      best.set(key, { ms: p.time.medianMs, implementation: p.implementation, ...(p.dispatch ? { deviceMs: p.dispatch.deviceMs } : {}) });
    }
  }
  return best;
}

/** The reference's best per slot, and where it came from (or why there is none). */
function reference(): { best: Map<string, Best>; source: string } {
  const torch = sweep('torch');
  const measured = torch.results?.points.filter((p) => p.status === 'ok') ?? [];
  if (measured.length > 0) return { best: bestOf(measured), source: 'torch backend sweep of the same profile' };
  const torchWhy = torch.results?.points.find((p) => p.message)?.message ?? torch.why ?? 'no points';
  const note = `torch backend: no sweep (${torchWhy})`;
  if (quick) return { best: new Map(), source: `${note}; bench/pytorch-reference.py runs the seed's shapes only (run without --quick)` };
  const py = spawnSync('python3', ['bench/pytorch-reference.py'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (py.status !== 0) {
    return { best: new Map(), source: `${note}; bench/pytorch-reference.py failed: ${(py.stderr || '').trim().split('\n').pop()}` };
  }
  const best = new Map<string, Best>();
  for (const line of py.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const r = JSON.parse(line) as { family: string; config: { groups?: number }; impl: string; mode: string; median_ms: number };
    // The reference's class families run the seed's 12 groups without a groups key.
    const key = slot(r.family, r.mode, r.config.groups);
    const now = best.get(key);
    if (!now || r.median_ms < now.ms) best.set(key, { ms: r.median_ms, implementation: r.impl });
  }
  return { best, source: `${note}; PyTorch eager via bench/pytorch-reference.py (CUDA events)` };
}

const mine = bestOf(ours.results.points);
const ref = reference();
console.log(`reference: ${ref.source}`);
const fmt = (ms: number | undefined) => (ms === undefined ? '—' : ms < 1 ? ms.toFixed(3) : ms.toFixed(2));
console.log(
  [
    'family'.padEnd(15),
    'mode'.padEnd(10),
    'g'.padStart(3),
    'fusebench best'.padEnd(34),
    'wall ms'.padStart(9),
    'device ms'.padStart(10),
    'reference best'.padEnd(22),
    'ms'.padStart(8),
    'ratio'.padStart(7),
  ].join(' '),
);
for (const [key, b] of [...mine].sort(([a], [c]) => a.localeCompare(c))) {
  const [family, mode, groups] = key.split('|');
  const r = ref.best.get(key) ?? (groups ? undefined : ref.best.get(slot(family!, mode!, undefined)));
  console.log(
    [
      family!.padEnd(15),
      mode!.padEnd(10),
      (groups || '·').padStart(3),
      b.implementation.padEnd(34),
      fmt(b.ms).padStart(9),
      fmt(b.deviceMs).padStart(10),
      (r?.implementation ?? '—').padEnd(22),
      fmt(r?.ms).padStart(8),
      (r ? `${(b.ms / r.ms).toFixed(2)}×` : '—').padStart(7),
    ].join(' '),
  );
}

/** Device (timestamp queries) and wall milliseconds of one call, medians of `n` after 2 warm-up calls. */
async function timeCall(call: () => tf.Tensor, n: number): Promise<{ deviceMs: number; wallMs: number }> {
  for (let i = 0; i < 2; i++) {
    tf.dispose(call());
    await deviceIdle();
  }
  const device: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = await tf.time(() => tf.dispose(call()));
    device.push(typeof t.kernelMs === 'number' ? t.kernelMs : NaN);
    const started = performance.now();
    tf.dispose(call());
    await deviceIdle();
    wall.push(performance.now() - started);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { deviceMs: median(device), wallMs: median(wall) };
}

const tflops = (flops: number, ms: number) => (flops / (ms / 1000) / 1e12).toPrecision(3);
const report = (label: string, flops: number, t: { deviceMs: number; wallMs: number }) =>
  console.log(
    `${label.padEnd(52)} device ${tflops(flops, t.deviceMs)} TFLOP/s (${fmt(t.deviceMs)} ms) · wall ${tflops(flops, t.wallMs)} TFLOP/s`,
  );

const n = quick ? 256 : 4096;
const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
const a3 = tf.reshape(a, [n, 1, n]);
const b3 = tf.reshape(b, [1, n, n]);
report(`matmul ${n}² fp32, tfjs MatMul`, 2 * n ** 3, await timeCall(() => tf.matMul(a, b), 5));
report(`matmul ${n}² fp32, Fusebench tiled GEMM (WGSL)`, 2 * n ** 3, await timeCall(() => batchedLinear(a3, b3), 5));
tf.dispose([a, b, a3, b3]);

// The seed's bottleneck conv2: B = 32, 14×14, g = 12 groups of P = C/2 = 256 channels, 3×3.
const conv = quick ? { batch: 2, size: 6, groups: 3, planes: 8 } : { batch: 32, size: 14, groups: 12, planes: 256 };
const x = tf.randomNormal([conv.batch, conv.size, conv.size, conv.groups * conv.planes], 0, 1, 'float32', 3);
const w = tf.randomNormal([conv.groups, 9 * conv.planes, conv.planes], 0, 0.05, 'float32', 4);
const convFlops = 2 * conv.batch * conv.size ** 2 * conv.groups * 9 * conv.planes ** 2;
report(
  `grouped 3×3 conv B=${conv.batch} ${conv.size}² g=${conv.groups} P=${conv.planes}, Fusebench (WGSL)`,
  convFlops,
  await timeCall(() => groupedConv(x, w, 3), 5),
);
tf.dispose([x, w]);
if (quick || !/nvidia|amd|intel|apple/i.test(device)) {
  console.log(`figures above are from ${device}${quick ? ' at tiny shapes' : ''}: GPU figures remain to be taken on a GPU machine.`);
}
