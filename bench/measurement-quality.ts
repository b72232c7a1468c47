/**
 * How far to trust Fusebench's answers, as ratios measured in this run (issue #7):
 * 1. what ending a sample costs at the seed's output sizes (bench/sample-end.ts);
 * 2. one profile run twice back to back, each as its own `fusebench sweep` process (as a user would):
 *    per parallel point |ln(speedup₁ / speedup₂)| (median, p90, max), faster↔slower flips, the share of
 *    run-2 speedups inside run-1 intervals, and each run's wall time. Plain JSON reading, so it also
 *    measures results of earlier Fusebench versions.
 *
 *   npm run bench:quality [-- PROFILE --backend B]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../engine/backends/node.js';
import { isBackendName } from '../engine/backends/backend.js';
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
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { backend: { type: 'string' } } });
const profile = resolve(positionals[0] ?? 'bench/quality.profile.json');
const cli = resolve('bin/fusebench.mjs');

function runOnce(out: string): { points: Point[]; wallMs: number } {
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

const backendName = values.backend ?? 'wasm';
if (!isBackendName(backendName)) throw new Error(`unknown backend ${backendName}`);
const backend = await useBackend(backendName);
console.log(`sample end at the seed's output sizes · ${backend.name} (${backend.device})`);
console.log((await sampleEndOverhead()).join('\n'));
console.log('');

const dir = mkdtempSync(join(tmpdir(), 'fb-quality-'));
try {
  const first = runOnce(join(dir, 'run1'));
  const second = runOnce(join(dir, 'run2'));
  const again = new Map(second.points.map((p) => [p.key, p]));
  const pairs = first.points
    .filter((p) => p.role === 'parallel' && p.status === 'ok' && p.speedup !== undefined)
    .map((a) => [a, again.get(a.key)] as const)
    .filter((pair): pair is readonly [Point, Point] => pair[1]?.speedup !== undefined);
  const diffs = pairs.map(([a, b]) => Math.abs(Math.log(a.speedup! / b.speedup!))).sort((x, y) => x - y);
  const flips = pairs.filter(([a, b]) => {
    const va = verdict(a);
    const vb = verdict(b);
    return (va === 'faster' && vb === 'slower') || (va === 'slower' && vb === 'faster');
  });
  const withInterval = pairs.filter(([a]) => a.speedupLow !== undefined && a.speedupHigh !== undefined);
  const covered = withInterval.filter(([a, b]) => b.speedup! >= a.speedupLow! && b.speedup! <= a.speedupHigh!);
  const changed = pairs.filter(([a, b]) => verdict(a) !== verdict(b));
  console.log(`bench:quality · ${profile} · two runs back to back`);
  console.log(`points compared (parallel, ok in both): ${pairs.length}`);
  console.log(
    `|ln(speedup1/speedup2)|: median ${quantile(diffs, 0.5).toFixed(3)}  p90 ${quantile(diffs, 0.9).toFixed(3)}  max ${diffs.at(-1)!.toFixed(3)}`,
  );
  console.log(`faster↔slower flips: ${flips.length}   verdict changes of any kind: ${changed.length}`);
  console.log(
    withInterval.length > 0
      ? `run-2 speedups inside run-1 95% intervals: ${covered.length}/${withInterval.length} (${((100 * covered.length) / withInterval.length).toFixed(0)}%)`
      : 'run-2 speedups inside run-1 intervals: n/a (these results carry no intervals)',
  );
  console.log(`wall time: run 1 ${(first.wallMs / 1000).toFixed(1)} s, run 2 ${(second.wallMs / 1000).toFixed(1)} s`);
  for (const [a, b] of flips.length > 0 ? flips : changed.slice(0, 5)) {
    console.log(
      `  ${a.family} ${a.implementation} ${JSON.stringify(a.config)}: ${verdict(a)} ×${a.speedup!.toFixed(3)} → ${verdict(b)} ×${b.speedup!.toFixed(3)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
