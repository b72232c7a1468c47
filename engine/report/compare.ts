/**
 * Two runs (or two backends of one run) point by point, as nvbench's compare does: for every parallel
 * point both hold with a counted speedup, the ratio of the speedups (B ÷ A) with a 95% interval, and
 * whether it changed: only where the two runs' intervals do not overlap (each interval already holds the
 * spread between processes, DESIGN.md §4.9, so a difference inside both is not a change). Pure, for the
 * app and the reports.
 */
import type { PointRecord, SweepResults } from '../files/schemas.js';
import type { Verdict } from '../stats/paired.js';
import { canonicalJson } from '../core/point-key.js';
import { formatConfig, formatNumber } from './format.js';
import type { BackendName, Mode } from './series.js';
import { speedupIndex, type SpeedupInfo } from './speedup.js';

export interface CounterSpeedup {
  speedup: number;
  speedupLow: number;
  speedupHigh: number;
  verdict: Verdict;
  backend: BackendName;
}

export interface ComparedPoint {
  family: string;
  mode: Mode;
  implementation: string;
  config: Record<string, unknown>;
  a: CounterSpeedup;
  b: CounterSpeedup;
  /** B's speedup ÷ A's, with its 95% interval (the two intervals combined on the log scale, as independent). */
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
  /** `changed` where A's and B's intervals do not overlap; then `direction` says which way. */
  change: 'changed' | 'unchanged';
  direction?: 'higher' | 'lower';
  /** Whether the point's own verdict (faster, slower, within noise) differs between A and B. */
  verdictChanged: boolean;
}

export interface Comparison {
  points: ComparedPoint[];
  changed: number;
  unchanged: number;
  /** Parallel points with a counted speedup in only one of the two. */
  onlyA: number;
  onlyB: number;
}

export interface CompareOptions {
  /** Compare only A's points on this backend (with B's on `backendB`): two backends of one run. */
  backendA?: BackendName;
  backendB?: BackendName;
}

function counted(p: PointRecord, info: SpeedupInfo): CounterSpeedup | undefined {
  if (info.speedup === undefined || info.speedupLow === undefined || info.speedupHigh === undefined || !info.verdict) return undefined;
  if (info.speedup <= 0 || info.speedupLow <= 0) return undefined;
  return { speedup: info.speedup, speedupLow: info.speedupLow, speedupHigh: info.speedupHigh, verdict: info.verdict, backend: p.backend };
}

function index(
  results: SweepResults,
  backend: BackendName | undefined,
  acrossBackends: boolean,
): Map<string, { point: PointRecord; figure: CounterSpeedup }> {
  const speedupOf = speedupIndex(results);
  const out = new Map<string, { point: PointRecord; figure: CounterSpeedup }>();
  for (const p of results.points) {
    if (backend && p.backend !== backend) continue;
    const figure = counted(p, speedupOf(p));
    if (!figure) continue;
    // Without a backend named, points pair on their own backend; with one, across the two named.
    const key = canonicalJson([p.family, p.mode, p.implementation, p.config, acrossBackends ? '' : p.backend]);
    out.set(key, { point: p, figure });
  }
  return out;
}

/**
 * The ratio of two speedups with a 95% interval: on the log scale the distances from each median to its
 * interval's ends combine as independent errors (root of the sum of squares), each side on its own.
 *
 * @example speedupRatio({ speedup: 2, speedupLow: 1.9, speedupHigh: 2.1 }, { speedup: 3, speedupLow: 2.8, speedupHigh: 3.2 }).ratio // 1.5
 */
export function speedupRatio(
  a: Pick<CounterSpeedup, 'speedup' | 'speedupLow' | 'speedupHigh'>,
  b: Pick<CounterSpeedup, 'speedup' | 'speedupLow' | 'speedupHigh'>,
): { ratio: number; ratioLow: number; ratioHigh: number } {
  const ln = Math.log;
  const r = ln(b.speedup) - ln(a.speedup);
  const down = Math.hypot(ln(b.speedup) - ln(b.speedupLow), ln(a.speedupHigh) - ln(a.speedup));
  const up = Math.hypot(ln(b.speedupHigh) - ln(b.speedup), ln(a.speedup) - ln(a.speedupLow));
  return { ratio: Math.exp(r), ratioLow: Math.exp(r - down), ratioHigh: Math.exp(r + up) };
}

/**
 * Pairs A's and B's parallel points by family, mode, implementation and config (and backend, unless two
 * backends are named) and compares their speedups.
 *
 * @example compareResults(before, after).points.filter((p) => p.change === 'changed')
 * @example compareResults(run, run, { backendA: 'wasm', backendB: 'webgpu' })
 */
export function compareResults(a: SweepResults, b: SweepResults, options: CompareOptions = {}): Comparison {
  const across = options.backendA !== undefined || options.backendB !== undefined;
  const left = index(a, options.backendA, across);
  const right = index(b, options.backendB, across);
  const points: ComparedPoint[] = [];
  for (const [key, x] of left) {
    const y = right.get(key);
    if (!y) continue;
    const { ratio, ratioLow, ratioHigh } = speedupRatio(x.figure, y.figure);
    const higher = y.figure.speedupLow > x.figure.speedupHigh;
    const changed = higher || y.figure.speedupHigh < x.figure.speedupLow;
    points.push({
      family: x.point.family,
      mode: x.point.mode,
      implementation: x.point.implementation,
      config: x.point.config,
      a: x.figure,
      b: y.figure,
      ratio,
      ratioLow,
      ratioHigh,
      change: changed ? 'changed' : 'unchanged',
      ...(changed ? { direction: higher ? ('higher' as const) : ('lower' as const) } : {}),
      verdictChanged: x.figure.verdict !== y.figure.verdict,
    });
  }
  const changed = points.filter((p) => p.change === 'changed').length;
  return {
    points,
    changed,
    unchanged: points.length - changed,
    onlyA: [...left.keys()].filter((k) => !right.has(k)).length,
    onlyB: [...right.keys()].filter((k) => !left.has(k)).length,
  };
}

/** One compared point in words: `parallel.tile at groups=4: ×2 → ×3, ratio ×1.5 [1.3–1.7] changed (higher)`. */
export function describeCompared(p: ComparedPoint): string {
  const figure = (f: CounterSpeedup) => `×${formatNumber(f.speedup)} (${f.verdict})`;
  const change = p.change === 'changed' ? `changed (${p.direction})` : 'unchanged';
  return `${p.implementation} at ${formatConfig(p.config)}: ${figure(p.a)} → ${figure(p.b)}, ratio ×${formatNumber(p.ratio)} [${formatNumber(p.ratioLow)}–${formatNumber(p.ratioHigh)}] ${change}`;
}
