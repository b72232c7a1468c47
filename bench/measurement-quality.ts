/**
 * How far to trust Fusebench's answers, as figures measured in this run (issues #7, #15):
 * 1. what ending a sample costs at the seed's output sizes (bench/sample-end.ts);
 * 2. one profile run three times, each as its own `fusebench sweep` process (as a user would rerun it):
 *    faster↔slower flips, the share of run pairs whose intervals overlap, the share of run-2/3 speedups
 *    inside run 1's interval, median and p90 |ln(speedup_a / speedup_b)|;
 * 3. the same profile once in a single pass (measure.minPasses = maxPasses = 1, the method before passes):
 *    wall time per point of the multi-pass runs against it.
 * Plain JSON reading, so it also measures results of earlier Fusebench versions.
 *
 *   npm run bench:quality [-- PROFILE] [-- --backend torch] [-- --runs N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../engine/backends/node.js';
import { isBackendName } from '../engine/core/backend-names.js';
import { sampleEndOverhead } from './sample-end.js';

interface Point {
  key: string;
  role: string;
  status: string;
  family: string;
  implementation: string;
  config: Record<string, unknown>;
  speedup?: number;
  speedupLow?: number;
  speedupHigh?: number;
  verdict?: string;
  passes?: unknown[];
}

interface Run {
  points: Point[];
  wallMs: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { backend: { type: 'string' }, runs: { type: 'string', default: '3' } },
});
const profilePath = resolve(positionals[0] ?? 'bench/quality.profile.json');
const cli = resolve('bin/fusebench.mjs');
const runs = Math.max(2, Number(values.runs));

function runOnce(profile: string, out: string): Run {
  const started = performance.now();
  const args = [cli, 'sweep', profile, '--out', out, '--json', ...(values.backend ? ['--backend', values.backend] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`fusebench sweep failed (${r.status}): ${r.stderr}`);
  const file = readdirSync(out).find((f) => f.endsWith('.sweep.json'))!;
  return { points: (JSON.parse(readFileSync(join(out, file), 'utf8')) as { points: Point[] }).points, wallMs };
}

/** faster / slower / within-noise; results without a verdict (older versions) judge by the ratio alone. */
function verdict(p: Point): string {
  if (p.verdict) return p.verdict;
  return p.speedup! > 1 ? 'faster' : p.speedup! < 1 ? 'slower' : 'within-noise';
}

function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
}

const inside = (a: Point, b: Point) => b.speedup! >= a.speedupLow! && b.speedup! <= a.speedupHigh!;
const overlap = (a: Point, b: Point) => a.speedupLow! <= b.speedupHigh! && b.speedupLow! <= a.speedupHigh!;
const flip = (a: Point, b: Point) => `${verdict(a)}/${verdict(b)}` === 'faster/slower' || `${verdict(a)}/${verdict(b)}` === 'slower/faster';
const pct = (n: number, of: number) => (of > 0 ? `${n}/${of} (${((100 * n) / of).toFixed(0)}%)` : 'n/a');
const measured = (p: Point | undefined): p is Point => p?.role === 'parallel' && p.status === 'ok' && p.speedupLow !== undefined;

const backendName = values.backend ?? 'wasm';
if (!isBackendName(backendName)) throw new Error(`unknown backend ${backendName}`);
if (backendName !== 'torch') {
  const backend = await useBackend(backendName);
  console.log(`sample end at the seed's output sizes · ${backend.name} (${backend.device})`);
  console.log((await sampleEndOverhead()).join('\n'));
  console.log('');
}

const dir = mkdtempSync(join(tmpdir(), 'fb-quality-'));
try {
  const results = Array.from({ length: runs }, (_, i) => runOnce(profilePath, join(dir, `run${i + 1}`)));
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as { measure?: Record<string, unknown> };
  const singlePath = join(dir, 'single-pass.profile.json');
  writeFileSync(singlePath, JSON.stringify({ ...profile, measure: { ...profile.measure, minPasses: 1, maxPasses: 1 } }));
  const single = runOnce(singlePath, join(dir, 'single'));

  const byKey = results.map((r) => new Map(r.points.map((p) => [p.key, p])));
  const keys = results[0]!.points.filter((p) => byKey.every((m) => measured(m.get(p.key)))).map((p) => p.key);
  let pairs = 0;
  let overlapping = 0;
  let flips = 0;
  const diffs: number[] = [];
  const flipped: string[] = [];
  for (const key of keys) {
    for (let i = 0; i < runs; i++) {
      for (let j = i + 1; j < runs; j++) {
        const a = byKey[i]!.get(key)!;
        const b = byKey[j]!.get(key)!;
        pairs += 1;
        if (overlap(a, b)) overlapping += 1;
        if (flip(a, b)) {
          flips += 1;
          flipped.push(
            `  ${a.family} ${a.implementation} ${JSON.stringify(a.config)}: run ${i + 1} ${verdict(a)} ×${a.speedup!.toFixed(3)} → run ${j + 1} ${verdict(b)} ×${b.speedup!.toFixed(3)}`,
          );
        }
        diffs.push(Math.abs(Math.log(a.speedup! / b.speedup!)));
      }
    }
  }
  const later = keys.flatMap((key) => byKey.slice(1).map((m) => [byKey[0]!.get(key)!, m.get(key)!] as const));
  const covered = later.filter(([a, b]) => inside(a, b)).length;
  diffs.sort((x, y) => x - y);
  const passesPerPoint = keys.map((k) => byKey[0]!.get(k)!.passes?.length ?? 1);
  const perPoint = (r: Run) => r.wallMs / r.points.length;
  const meanWall = results.reduce((s, r) => s + perPoint(r), 0) / runs;

  console.log(`bench:quality · ${profilePath} · ${backendName} · ${runs} runs, each its own process`);
  console.log(
    `parallel points compared (ok in every run): ${keys.length}; passes per point in run 1: mean ${(passesPerPoint.reduce((a, b) => a + b, 0) / Math.max(1, keys.length)).toFixed(2)}, max ${Math.max(0, ...passesPerPoint)}`,
  );
  console.log(`faster↔slower flips: ${flips} of ${pairs} run pairs`);
  console.log(`run pairs whose intervals overlap: ${pct(overlapping, pairs)}`);
  console.log(`run-2${runs > 2 ? `…${runs}` : ''} speedups inside run 1's 95% interval: ${pct(covered, later.length)}`);
  if (diffs.length > 0)
    console.log(
      `|ln(speedup_a/speedup_b)|: median ${quantile(diffs, 0.5).toFixed(3)}  p90 ${quantile(diffs, 0.9).toFixed(3)}  max ${diffs.at(-1)!.toFixed(3)}`,
    );
  console.log(
    `wall time per point: ${results.map((r) => `${perPoint(r).toFixed(0)}`).join(', ')} ms (passes) against ${perPoint(single).toFixed(0)} ms ` +
      `single-pass: ×${(meanWall / perPoint(single)).toFixed(2)}`,
  );
  for (const line of flipped) console.log(line);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
