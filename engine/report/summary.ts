import { POINT_STATUSES } from '../files/schemas.js';
import type { PointRecord, PointStatus, SweepResults } from '../files/schemas.js';
import type { Verdict } from '../stats/paired.js';
import { canonicalJson } from '../core/point-key.js';
import { formatConfig, formatNumber, formatSpeedup, formatValue } from './format.js';
import { BRANCH_KEYS, PREFERRED_AXES, branchCount, dimensions, sweptAxes, viewPoints } from './series.js';

const isBranchKey = (k: string) => (BRANCH_KEYS as readonly string[]).includes(k);
import type { BackendName, Mode } from './series.js';
import { againstReference, speedupIndex, type AgainstReference, type SpeedupInfo } from './speedup.js';

/** How the summary reaches its answers, in words, for the reports. */
export const SUMMARY_METHOD =
  'Every speedup is the median of per-round ratios baseline / parallel (paired rounds), with a 95% bootstrap interval; ' +
  'faster means the whole interval lies above 1, slower below 1, otherwise within noise. A parallel form is judged against ' +
  'the serial loop that uses the same primitive, and then also against the loop as written (the same rounds). Crossover: per slice of the other swept axes, the smallest groups ≥ 2 at ' +
  'which a parallel form is faster and stays faster at every larger groups value; groups = 1 is the control (the fused ' +
  'form’s overhead), never a crossover. Best: the parallel point with the highest lower bound. Non-equivalent points never count.';

/** A speedup with its interval, where it was measured. */
export interface SpeedupFigure {
  implementation: string;
  speedup: number;
  speedupLow: number;
  speedupHigh: number;
  verdict: Verdict;
  /** The config of the point. */
  at: Record<string, unknown>;
}

/** Whether and from where fusing pays, in one slice of the other swept axes (or for the headline slice). */
export type Crossover =
  | ({ kind: 'found'; groups: number } & SpeedupFigure)
  /** Every parallel point at groups ≥ 2 is slower. */
  | { kind: 'never' }
  /** Some points are within noise, or faster without staying faster as groups grow. */
  | { kind: 'undecided' }
  | { kind: 'groups-not-swept' };

export interface SliceCrossover {
  /** Values of the other swept axes, e.g. {channels: 64, batch: 8}. */
  slice: Record<string, unknown>;
  crossover: Crossover;
}

/** An implementation's standing over the configs where every ranked implementation has a counted speedup. */
export interface RankedImplementation {
  implementation: string;
  /** Geometric mean of its speedups over those configs. */
  geomeanSpeedup: number;
  configs: number;
}

/** One implementation at one config whose verdict differs between backends (e.g. torch faster, webgpu within noise). */
export interface BackendDisagreement {
  family: string;
  mode: Mode;
  implementation: string;
  config: Record<string, unknown>;
  answers: { backend: BackendName; verdict: Verdict; speedup: number; speedupLow: number; speedupHigh: number }[];
}

/**
 * Every family × mode × parallel implementation × config measured on more than one backend whose
 * verdicts differ: where fusing pays on one backend and not on another.
 *
 * @example backendDisagreements(results)[0].answers.map((a) => `${a.backend} ${a.verdict}`) // ['torch faster', 'webgpu within-noise']
 */
export function backendDisagreements(results: SweepResults): BackendDisagreement[] {
  const speedupOf = speedupIndex(results);
  const byKey = new Map<string, BackendDisagreement>();
  for (const p of results.points) {
    const info = speedupOf(p);
    if (!info.verdict || info.speedup === undefined || info.speedupLow === undefined || info.speedupHigh === undefined) continue;
    const key = canonicalJson([p.family, p.mode, p.implementation, p.config]);
    let d = byKey.get(key);
    if (!d) byKey.set(key, (d = { family: p.family, mode: p.mode, implementation: p.implementation, config: p.config, answers: [] }));
    d.answers.push({
      backend: p.backend,
      verdict: info.verdict,
      speedup: info.speedup,
      speedupLow: info.speedupLow,
      speedupHigh: info.speedupHigh,
    });
  }
  return [...byKey.values()].filter((d) => d.answers.length > 1 && new Set(d.answers.map((a) => a.verdict)).size > 1);
}

/** One disagreement in words: `parallel.tile faster on torch ×2.07 [2–2.1] but within-noise on webgpu ×1.01 [0.97–1.05] at groups=12`. */
export function describeDisagreement(d: BackendDisagreement, keys: readonly string[] = Object.keys(d.config).sort()): string {
  const answers = d.answers.map((a) => `${a.verdict} on ${a.backend} ${formatSpeedup(a)}`);
  return `${d.implementation} ${answers.join(' but ')}${where(d.config, keys)}`;
}

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
  /** The parallel point with the highest lower bound (groups ≥ 2 where groups is a key). */
  best?: SpeedupFigure;
  /** Where `best` is judged against a serial twin: the same point against the reference loop as written. */
  bestAgainstReference?: AgainstReference;
  /** The fused form at groups = 1, nothing to fuse: its overhead, for the best implementation (headline slice). */
  control?: SpeedupFigure;
  /** For the headline slice: the one with the largest values of the other swept axes (closest to the seed's shapes). */
  crossover: Crossover;
  /** Every slice of the other swept axes with its own crossover. */
  slices: SliceCrossover[];
  /** Lowest and highest speedup counted at groups ≥ 2 in the headline slice. */
  range?: { low: number; high: number };
  ranking: RankedImplementation[];
  /** Parallel implementations with a non-equivalent point: not ranked, never best. */
  disqualified: string[];
  /** `implementation: primitive` for every implementation measured. */
  primitives: string[];
  statusCounts: Record<PointStatus, number>;
  nonEquivalent: NonEquivalentPoint[];
  /** Points measured while other processes competed for the CPU (in a pass that a quieter retry did not replace). */
  busyPoints: number;
  /** Verdicts (parallel points) resting on such a pass. */
  busyVerdicts: number;
  /** Points whose time follows the allocator's state (page faults), DESIGN.md §4.9. */
  allocatorBound: number;
  /** Where another backend answers differently for this family and mode (same implementation and config). */
  disagreements: BackendDisagreement[];
  /** The answer in words: crossover or verdict, overhead at one group, caveats. */
  note: string;
}

function nonEquivalent(p: PointRecord): NonEquivalentPoint | undefined {
  const eq = p.equivalence;
  if (!eq || eq.pass) return undefined;
  const base = { family: p.family, implementation: p.implementation, mode: p.mode, backend: p.backend, config: p.config };
  const figures = { relErr: eq.relErr, maxAbs: eq.maxAbs, tolerance: eq.tolerance };
  return eq.knownDefect ? { ...base, ...figures, knownDefect: eq.knownDefect } : { ...base, ...figures };
}

/** A counted speedup with an interval and a verdict, as a figure; undefined otherwise. */
export function figureOf(p: PointRecord, info: SpeedupInfo): SpeedupFigure | undefined {
  if (info.speedup === undefined || info.speedupLow === undefined || info.speedupHigh === undefined || !info.verdict) return undefined;
  return {
    implementation: p.implementation,
    speedup: info.speedup,
    speedupLow: info.speedupLow,
    speedupHigh: info.speedupHigh,
    verdict: info.verdict,
    at: p.config,
  };
}

function groupsOf(p: PointRecord): number | undefined {
  return branchCount(p.config);
}

/** The highest lower bound wins; the larger speedup breaks a tie. */
function better(a: SpeedupFigure, b: SpeedupFigure): SpeedupFigure {
  return b.speedupLow > a.speedupLow || (b.speedupLow === a.speedupLow && b.speedup > a.speedup) ? b : a;
}

/**
 * The crossover of one slice: per implementation, the smallest swept g ≥ 2 from which it is `faster` at
 * g and at every larger swept g (a missing or uncounted point breaks the run); the smallest over
 * implementations wins.
 */
function sliceCrossover(figures: readonly SpeedupFigure[], groupsSwept: readonly number[]): Crossover {
  const fusable = groupsSwept.filter((g) => g >= 2);
  const atFusable = figures.filter((f) => (groupsOfConfig(f.at) ?? 0) >= 2);
  let found: Extract<Crossover, { kind: 'found' }> | undefined;
  for (const implementation of new Set(atFusable.map((f) => f.implementation))) {
    const byGroups = new Map(atFusable.filter((f) => f.implementation === implementation).map((f) => [groupsOfConfig(f.at)!, f]));
    let from: SpeedupFigure | undefined;
    let fromGroups: number | undefined;
    for (const g of [...fusable].reverse()) {
      const f = byGroups.get(g);
      if (f?.verdict !== 'faster') break;
      from = f;
      fromGroups = g;
    }
    if (from && fromGroups !== undefined && (!found || fromGroups < found.groups)) found = { kind: 'found', groups: fromGroups, ...from };
  }
  if (found) return found;
  return atFusable.length > 0 && atFusable.every((f) => f.verdict === 'slower') ? { kind: 'never' } : { kind: 'undecided' };
}

function groupsOfConfig(config: Record<string, unknown>): number | undefined {
  return branchCount(config);
}

/** Orders slices so the last is the headline: larger values of the preferred axes (channels, batch) last. */
function compareSlices(a: Record<string, unknown>, b: Record<string, unknown>, keys: readonly string[]): number {
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' && typeof y === 'number' && x !== y) return x - y;
    const sx = formatValue(x);
    const sy = formatValue(y);
    if (sx !== sy) return sx < sy ? -1 : 1;
  }
  return 0;
}

/** Geometric-mean speedup per parallel implementation over the configs where all of them have a counted one. */
function rank(figures: readonly SpeedupFigure[], disqualified: readonly string[]): RankedImplementation[] {
  const byImpl = new Map<string, Map<string, number>>();
  for (const f of figures) {
    if (disqualified.includes(f.implementation)) continue;
    let m = byImpl.get(f.implementation);
    if (!m) byImpl.set(f.implementation, (m = new Map()));
    m.set(canonicalJson(f.at), f.speedup);
  }
  const impls = [...byImpl.keys()];
  const common = [...(byImpl.get(impls[0] ?? '')?.keys() ?? [])].filter((c) => impls.every((i) => byImpl.get(i)!.has(c)));
  if (common.length === 0) return [];
  return impls
    .map((implementation) => ({
      implementation,
      geomeanSpeedup: Math.exp(common.reduce((s, c) => s + Math.log(byImpl.get(implementation)!.get(c)!), 0) / common.length),
      configs: common.length,
    }))
    .sort((a, b) => b.geomeanSpeedup - a.geomeanSpeedup);
}

function where(config: Record<string, unknown>, keys: readonly string[]): string {
  const shown = keys.filter((k) => k in config);
  return shown.length > 0 ? ` at ${formatConfig(config, shown)}` : '';
}

/** One line for a crossover, e.g. `from groups=4: parallel.tile ×2.3 [2.1–2.5]` (the figure at that groups value). */
export function describeCrossover(c: Crossover, slice: Record<string, unknown> = {}): string {
  const within = Object.keys(slice).length > 0 ? ` (${formatConfig(slice)})` : '';
  switch (c.kind) {
    case 'groups-not-swept':
      return 'groups not swept';
    case 'never':
      return `never: every fused point at groups ≥ 2 is slower${within}`;
    case 'undecided':
      return `undecided: within noise or not monotone in groups${within}`;
    case 'found':
      return `from groups=${c.groups}: ${c.implementation} ${formatSpeedup(c)}${within}`;
  }
}

/** One line for the best point, e.g. `parallel.tile ×2.3 [2.1–2.5] faster at groups=12, channels=64`. */
export function describeBest(s: GroupSummary): string {
  const excluded = s.disqualified.length > 0 ? `; not counted (not equivalent): ${s.disqualified.join(', ')}` : '';
  if (!s.best) return `none: no parallel point with a counted speedup${excluded}`;
  return `${s.best.implementation} ${formatSpeedup(s.best)} ${s.best.verdict}${where(s.best.at, Object.keys(s.best.at).sort())}${excluded}`;
}

/** The other slices in a few words: how many cross from which groups value, never, or undecided. */
function otherSlices(slices: readonly SliceCrossover[]): string {
  const counts = new Map<string, number>();
  for (const { crossover: c } of slices) {
    const key = c.kind === 'found' ? `from groups=${c.groups}` : c.kind === 'groups-not-swept' ? 'groups not swept' : c.kind;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} (${n} of ${slices.length})`).join(', ');
}

/** The answer in words, e.g. "fusing pays from groups ≥ 4: ×2.3 [2.1–2.5] at groups=12 (parallel.tile)". */
function noteOf(s: Omit<GroupSummary, 'note'>, swept: readonly string[]): string {
  const parts: string[] = [];
  const c = s.crossover;
  const keys = swept.filter((k) => !isBranchKey(k));
  if (c.kind === 'found') {
    parts.push(`fusing pays from groups ≥ ${c.groups}${where(c.at, keys)}: ${c.implementation} ${formatSpeedup(c)} at groups=${c.groups}`);
  } else if (c.kind === 'never' || c.kind === 'undecided') {
    const headline = s.slices.at(-1)?.slice ?? {};
    const at = Object.keys(headline).length > 0 ? ` at ${formatConfig(headline)}` : '';
    const low = s.range ? formatNumber(s.range.low) : '';
    const high = s.range ? formatNumber(s.range.high) : '';
    const range = s.range ? ` (×${low === high ? low : `${low}–${high}`})` : '';
    parts.push(c.kind === 'never' ? `fusing never pays at groups ≥ 2${at}${range}` : `undecided${at}: within noise${range}`);
  } else if (s.best) {
    const word = s.best.verdict === 'faster' ? 'fusing pays' : s.best.verdict === 'slower' ? 'fusing costs' : 'within noise';
    parts.push(`${word}: best ${s.best.implementation} ${formatSpeedup(s.best)}${where(s.best.at, swept)}`);
  } else {
    parts.push('no counted speedup');
  }
  if (c.kind === 'found' && s.best && s.best.speedupLow > c.speedupLow) {
    parts.push(`best ${s.best.implementation} ${formatSpeedup(s.best)}${where(s.best.at, swept)}`);
  }
  const r = s.bestAgainstReference;
  if (s.best && r) parts.push(`${s.best.implementation} against ${r.reference} as written: ${formatSpeedup(r)} ${r.verdict}`);
  const others = s.slices.slice(0, -1);
  if (others.length > 0 && c.kind !== 'groups-not-swept') parts.push(`other slices: ${otherSlices(others)}`);
  if (s.control)
    parts.push(
      `control at groups=1 (nothing to fuse, the fused form's own overhead): ${s.control.implementation} ${formatSpeedup(s.control)}`,
    );
  if (s.nonEquivalent.length > 0) parts.push(`${s.nonEquivalent.length} non-equivalent point(s) not counted`);
  if (s.busyVerdicts > 0) parts.push(`${s.busyVerdicts} verdict(s) rest on passes measured while the machine was busy`);
  else if (s.busyPoints > 0) parts.push(`${s.busyPoints} point(s) measured while the machine was busy`);
  if (s.allocatorBound > 0)
    parts.push(`${s.allocatorBound} point(s) allocator-bound: their time follows each process's page faults, not the kernels`);
  if (s.disagreements.length > 0) {
    const shown = s.disagreements.slice(0, 2).map((d) => describeDisagreement(d, swept));
    const more = s.disagreements.length > 2 ? ` and ${s.disagreements.length - 2} more` : '';
    parts.push(`backends disagree: ${shown.join('; ')}${more}`);
  }
  return parts.join('; ');
}

/**
 * Per family × mode × backend: best point, crossover per slice (groups = 1 as the control), ranking,
 * primitives, points per status, non-equivalent points and a sentence that says it all.
 *
 * @example summarizeResults(results)[0].crossover // { kind: 'found', groups: 4, implementation: 'parallel.tile', ... }
 */
export function summarizeResults(results: SweepResults): GroupSummary[] {
  let summaries = summaryCache.get(results.points);
  if (!summaries) {
    summaries = buildSummaries(results);
    summaryCache.set(results.points, summaries);
  }
  return summaries;
}

/** Summaries by the points they summarise, built once per results: every report format and card shares them. */
const summaryCache = new WeakMap<readonly PointRecord[], GroupSummary[]>();

function buildSummaries(results: SweepResults): GroupSummary[] {
  const { families, modes, backends } = dimensions(results);
  const speedupOf = speedupIndex(results);
  const disagreements = backendDisagreements(results);
  const out: GroupSummary[] = [];
  for (const family of families) {
    const swept = sweptAxes(results, family);
    const groupsSwept = swept.some(isBranchKey);
    const sliceKeys = [...swept.filter((k) => !isBranchKey(k))].sort(
      (a, b) => ((PREFERRED_AXES as readonly string[]).indexOf(a) + 1 || 99) - ((PREFERRED_AXES as readonly string[]).indexOf(b) + 1 || 99),
    );
    for (const mode of modes) {
      for (const backend of backends) {
        const points = viewPoints(results, { family, mode, backend });
        if (points.length === 0) continue;
        const statusCounts = Object.fromEntries(POINT_STATUSES.map((s) => [s, points.filter((p) => p.status === s).length])) as Record<
          PointStatus,
          number
        >;
        const disqualified = [
          ...new Set(points.filter((p) => p.role === 'parallel' && p.equivalence?.pass === false).map((p) => p.implementation)),
        ];
        const figures = points
          .map((p) => figureOf(p, speedupOf(p)))
          .filter((f): f is SpeedupFigure => f !== undefined && !disqualified.includes(f.implementation));
        const fusable = figures.filter((f) => (groupsOfConfig(f.at) ?? 2) >= 2);
        const best = fusable.reduce<SpeedupFigure | undefined>((a, f) => (a ? better(a, f) : f), undefined);
        const bestPoint =
          best && points.find((p) => p.implementation === best.implementation && canonicalJson(p.config) === canonicalJson(best.at));
        const bestAgainst = bestPoint && againstReference(bestPoint, speedupOf(bestPoint), results.profile.measure.seed);
        const sliceOf = (config: Record<string, unknown>) =>
          Object.fromEntries(sliceKeys.filter((k) => k in config).map((k) => [k, config[k]]));
        const sliceMap = new Map<string, Record<string, unknown>>();
        for (const p of points) sliceMap.set(canonicalJson(sliceOf(p.config)), sliceOf(p.config));
        const sliceList = [...sliceMap.values()].sort((a, b) => compareSlices(a, b, sliceKeys));
        const groupValues = [...new Set(points.map(groupsOf).filter((g): g is number => g !== undefined))].sort((a, b) => a - b);
        const slices: SliceCrossover[] = sliceList.map((slice) => ({
          slice,
          crossover: groupsSwept
            ? sliceCrossover(
                figures.filter((f) => canonicalJson(sliceOf(f.at)) === canonicalJson(slice)),
                groupValues,
              )
            : { kind: 'groups-not-swept' },
        }));
        const headline = slices.at(-1);
        const inHeadline = (f: SpeedupFigure) => !headline || canonicalJson(sliceOf(f.at)) === canonicalJson(headline.slice);
        const controls = figures.filter((f) => groupsOfConfig(f.at) === 1 && inHeadline(f));
        const control = controls.find((f) => f.implementation === best?.implementation) ?? controls[0];
        const speeds = fusable.filter(inHeadline).map((f) => f.speedup);
        const primitives = [
          ...new Map(points.filter((p) => p.primitive).map((p) => [p.implementation, `${p.implementation}: ${p.primitive}`])).values(),
        ];
        const summary: Omit<GroupSummary, 'note'> = {
          family,
          mode,
          backend,
          ...(best ? { best } : {}),
          ...(bestAgainst ? { bestAgainstReference: bestAgainst } : {}),
          ...(control ? { control } : {}),
          crossover: headline?.crossover ?? { kind: 'groups-not-swept' },
          slices,
          ...(speeds.length > 0 ? { range: { low: Math.min(...speeds), high: Math.max(...speeds) } } : {}),
          ranking: rank(fusable, disqualified),
          disqualified,
          primitives,
          statusCounts,
          nonEquivalent: points.map(nonEquivalent).filter((p): p is NonEquivalentPoint => p !== undefined),
          busyPoints: points.filter((p) => p.machine?.busy).length,
          busyVerdicts: points.filter((p) => p.machine?.busy && p.verdict !== undefined).length,
          allocatorBound: points.filter((p) => p.allocatorBound).length,
          disagreements: disagreements.filter((d) => d.family === family && d.mode === mode),
        };
        out.push({ ...summary, note: noteOf(summary, swept) });
      }
    }
  }
  return out;
}

/** The `summary` rows of `fusebench report --format json`: one per family × mode × backend. */
export interface SummaryRow {
  family: string;
  mode: Mode;
  backend: BackendName;
  best: { implementation: string; speedup: number; speedupLow: number; speedupHigh: number } | null;
  crossover: {
    groups: number;
    implementation: string;
    speedup: number;
    speedupLow: number;
    speedupHigh: number;
    at: Record<string, unknown>;
  } | null;
  note: string;
}

/** @example summaryRows(results)[0].crossover?.groups // 4 */
export function summaryRows(results: SweepResults): SummaryRow[] {
  return summarizeResults(results).map((s) => ({
    family: s.family,
    mode: s.mode,
    backend: s.backend,
    best: s.best
      ? { implementation: s.best.implementation, speedup: s.best.speedup, speedupLow: s.best.speedupLow, speedupHigh: s.best.speedupHigh }
      : null,
    crossover:
      s.crossover.kind === 'found'
        ? {
            groups: s.crossover.groups,
            implementation: s.crossover.implementation,
            speedup: s.crossover.speedup,
            speedupLow: s.crossover.speedupLow,
            speedupHigh: s.crossover.speedupHigh,
            at: s.crossover.at,
          }
        : null,
    note: s.note,
  }));
}

/**
 * The summary for a terminal: per family × mode × backend a heading, the answer, and counts of points
 * that did not count.
 *
 * @example summaryLines(results)[1] // '  fusing pays from groups ≥ 4: parallel.tile ×2.3 [2.1–2.5] at groups=4; …'
 */
export function summaryLines(results: SweepResults): string[] {
  return summarizeResults(results).flatMap((s) => {
    const notOk = POINT_STATUSES.filter((status) => status !== 'ok' && s.statusCounts[status] > 0).map(
      (status) => `${s.statusCounts[status]} ${status}`,
    );
    return [
      `${s.family} · ${s.mode} · ${s.backend}`,
      `  ${s.note}`,
      ...(notOk.length > 0 ? [`  points: ${s.statusCounts.ok} ok, ${notOk.join(', ')}`] : []),
    ];
  });
}

/** Points that produced no measurement (invalid, error, cancelled), with their messages. */
export function failedPoints(results: SweepResults): PointRecord[] {
  return results.points.filter((p) => p.status !== 'ok');
}

/**
 * The summary as a terminal table: one row per family × mode × backend, the answer in words.
 *
 * @example const { header, rows } = summaryTable(results); console.log([header, ...rows].map((r) => r.join('  ')).join('\n'));
 */
export function summaryTable(results: SweepResults): { header: string[]; rows: string[][] } {
  const header = ['family', 'mode', 'backend', 'answer', ...POINT_STATUSES, 'not equivalent'];
  const rows = summarizeResults(results).map((s) => [
    s.family,
    s.mode,
    s.backend,
    s.note,
    ...POINT_STATUSES.map((status) => String(s.statusCounts[status])),
    String(s.nonEquivalent.length),
  ]);
  return { header, rows };
}
