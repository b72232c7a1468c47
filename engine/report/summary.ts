import { POINT_STATUSES } from '../files/schemas.js';
import type { PointRecord, PointStatus, SweepResults } from '../files/schemas.js';
import { canonicalJson } from '../measure/point-key.js';
import { formatConfig, formatNumber } from './format.js';
import { dimensions, isTimed, sweptAxes, viewPoints } from './series.js';
import type { BackendName, Mode } from './series.js';
import { speedupIndex } from './speedup.js';

/** How the summary picks best and crossover, in words, for the reports. */
export const SUMMARY_METHOD =
  'Best: the highest geometric mean of serial median / median over the configs where serial and every ranked implementation were timed ' +
  '(serial = 1); an implementation with a non-equivalent point is not ranked. Crossover: the smallest groups value at which an ' +
  'equivalent parallel implementation beats serial (speedup > 1) at an otherwise equal config.';

/** An implementation's standing: geometric mean of serial median / its median over the compared configs. */
export interface RankedImplementation {
  implementation: string;
  role: PointRecord['role'];
  /** 1 for the serial reference by definition. */
  geomeanSpeedup: number;
  /** How many configs the mean covers (the same for every ranked implementation). */
  configs: number;
}

/** Where a parallel implementation first beats serial as groups grow. */
export type Crossover =
  | { kind: 'found'; groups: number; implementation: string; config: Record<string, unknown>; speedup: number }
  | { kind: 'none' }
  | { kind: 'groups-not-swept' };

/** A point whose parallel output did not match the serial reference. */
export interface NonEquivalentPoint {
  family: string;
  implementation: string;
  mode: Mode;
  backend: BackendName;
  config: Record<string, unknown>;
  relErr: number | null;
  maxAbs: number | null;
  tolerance: number;
  knownDefect?: string;
}

/** The summary of one family in one mode on one backend. */
export interface GroupSummary {
  family: string;
  mode: Mode;
  backend: BackendName;
  /** Highest geometric-mean speedup; undefined when nothing could be compared (see `bestNote`). */
  best?: RankedImplementation;
  bestNote?: string;
  /** Every comparable implementation, best first. */
  ranking: RankedImplementation[];
  /** Parallel implementations left out of the ranking because one of their points is not equivalent. */
  disqualified: string[];
  crossover: Crossover;
  statusCounts: Record<PointStatus, number>;
  nonEquivalent: NonEquivalentPoint[];
}

function nonEquivalent(p: PointRecord): NonEquivalentPoint | undefined {
  const eq = p.equivalence;
  if (!eq || eq.pass) return undefined;
  const base = { family: p.family, implementation: p.implementation, mode: p.mode, backend: p.backend, config: p.config };
  const figures = { relErr: eq.relErr, maxAbs: eq.maxAbs, tolerance: eq.tolerance };
  return eq.knownDefect ? { ...base, ...figures, knownDefect: eq.knownDefect } : { ...base, ...figures };
}

/**
 * Ranks implementations by the geometric mean of their speedup over serial, over the configs where
 * serial and every ranked implementation have a timed point, so each is judged on the same configs
 * (the largest-groups alone would hide a loss everywhere else). An implementation with any
 * non-equivalent point is not ranked: it may be fast because it computes something else.
 */
function rank(points: readonly PointRecord[]): Pick<GroupSummary, 'best' | 'bestNote' | 'ranking' | 'disqualified'> {
  const disqualified = [
    ...new Set(points.filter((p) => p.role === 'parallel' && p.equivalence?.pass === false).map((p) => p.implementation)),
  ];
  const medians = new Map<string, Map<string, number>>();
  const roles = new Map<string, PointRecord['role']>();
  for (const p of points) {
    if (disqualified.includes(p.implementation) || !isTimed(p)) continue;
    if (p.role === 'parallel' && p.equivalence?.pass !== true) continue;
    roles.set(p.implementation, p.role);
    let m = medians.get(p.implementation);
    if (!m) medians.set(p.implementation, (m = new Map()));
    m.set(canonicalJson(p.config), p.time.medianMs);
  }
  const serial = [...roles].find(([, role]) => role === 'serial')?.[0];
  if (serial === undefined) return { ranking: [], disqualified, bestNote: 'no timed serial reference' };
  const implementations = [...medians.keys()];
  const serialMedians = medians.get(serial) as Map<string, number>;
  const common = [...serialMedians.keys()].filter((c) => implementations.every((i) => medians.get(i)?.has(c)));
  if (implementations.length < 2) return { ranking: [], disqualified, bestNote: 'no equivalent parallel implementation was timed' };
  if (common.length === 0) return { ranking: [], disqualified, bestNote: 'no config where every implementation was timed' };
  const ranking = implementations
    .map((implementation): RankedImplementation => {
      const m = medians.get(implementation) as Map<string, number>;
      const logSum = common.reduce((sum, c) => sum + Math.log((serialMedians.get(c) as number) / (m.get(c) as number)), 0);
      return {
        implementation,
        role: roles.get(implementation) ?? 'parallel',
        geomeanSpeedup: Math.exp(logSum / common.length),
        configs: common.length,
      };
    })
    // Serial stays first on a tie: the simpler code wins when fusing does not pay.
    .sort((a, b) => b.geomeanSpeedup - a.geomeanSpeedup || (a.role === 'serial' ? -1 : b.role === 'serial' ? 1 : 0));
  const best = ranking[0];
  return best ? { best, ranking, disqualified } : { ranking, disqualified };
}

/**
 * The smallest `groups` at which an equivalent parallel implementation beats serial (speedup > 1) at an
 * otherwise equal config; at that groups value the largest speedup is reported.
 */
function crossover(results: SweepResults, points: readonly PointRecord[]): Crossover {
  if (!sweptAxes(results, points[0]?.family ?? '').includes('groups')) return { kind: 'groups-not-swept' };
  const speedupOf = speedupIndex(results);
  let found: Extract<Crossover, { kind: 'found' }> | undefined;
  for (const p of points) {
    const speedup = speedupOf(p).speedup;
    const groups = p.config.groups;
    if (speedup === undefined || speedup <= 1 || typeof groups !== 'number') continue;
    if (!found || groups < found.groups || (groups === found.groups && speedup > found.speedup)) {
      found = { kind: 'found', groups, implementation: p.implementation, config: p.config, speedup };
    }
  }
  return found ?? { kind: 'none' };
}

/**
 * Per family × mode × backend: the best implementation, the groups crossover, points per status and the
 * non-equivalent points. Best is the highest geometric-mean speedup over serial on the configs every
 * compared implementation was timed at; implementations with a non-equivalent point are not compared.
 *
 * @example summarizeResults(results)[0].crossover // { kind: 'found', groups: 4, implementation: 'parallel.im2colBatchedMatmul', ... }
 */
export function summarizeResults(results: SweepResults): GroupSummary[] {
  const { families, modes, backends } = dimensions(results);
  const out: GroupSummary[] = [];
  for (const family of families) {
    for (const mode of modes) {
      for (const backend of backends) {
        const points = viewPoints(results, { family, mode, backend });
        if (points.length === 0) continue;
        const statusCounts = Object.fromEntries(POINT_STATUSES.map((s) => [s, points.filter((p) => p.status === s).length])) as Record<
          PointStatus,
          number
        >;
        out.push({
          family,
          mode,
          backend,
          ...rank(points),
          crossover: crossover(results, points),
          statusCounts,
          nonEquivalent: points.map(nonEquivalent).filter((p): p is NonEquivalentPoint => p !== undefined),
        });
      }
    }
  }
  return out;
}

/** One line for a crossover, e.g. `groups=4: parallel.im2colBatchedMatmul ×2.29 (batch=1)`. */
export function describeCrossover(c: Crossover, sweptOther: readonly string[] = []): string {
  if (c.kind === 'groups-not-swept') return 'groups not swept';
  if (c.kind === 'none') return 'none: no equivalent parallel implementation beats serial';
  const rest = sweptOther.filter((k) => k !== 'groups' && k in c.config);
  return `groups=${c.groups}: ${c.implementation} ×${formatNumber(c.speedup)}${rest.length > 0 ? ` (${formatConfig(c.config, rest)})` : ''}`;
}

/** One line for the best implementation, e.g. `parallel.tile ×1.8 (geomean of 5 configs)`. */
export function describeBest(s: GroupSummary): string {
  const excluded = s.disqualified.length > 0 ? `; not ranked (not equivalent): ${s.disqualified.join(', ')}` : '';
  if (!s.best) return `none: ${s.bestNote ?? 'nothing to compare'}${excluded}`;
  return `${s.best.implementation} ×${formatNumber(s.best.geomeanSpeedup)} (geomean of ${s.best.configs} configs)${excluded}`;
}

/** Points that produced no measurement (invalid, error, cancelled), with their messages. */
export function failedPoints(results: SweepResults): PointRecord[] {
  return results.points.filter((p) => p.status !== 'ok');
}

/**
 * The summary as a terminal table: one row per family × mode × backend.
 *
 * @example const { header, rows } = summaryTable(results); console.log([header, ...rows].map((r) => r.join('  ')).join('\n'));
 */
export function summaryTable(results: SweepResults): { header: string[]; rows: string[][] } {
  const header = ['family', 'mode', 'backend', 'best', 'crossover', ...POINT_STATUSES, 'not equivalent'];
  const rows = summarizeResults(results).map((s) => [
    s.family,
    s.mode,
    s.backend,
    describeBest(s),
    describeCrossover(s.crossover, sweptAxes(results, s.family)),
    ...POINT_STATUSES.map((status) => String(s.statusCounts[status])),
    String(s.nonEquivalent.length),
  ]);
  return { header, rows };
}
