/**
 * The answer first: one card per family × mode × backend, built from the summary (summary.ts) and the
 * points it quotes, in words and numbers. The app shows these at the top of Results; tests compare the
 * cards on screen with this function's output, so the words are made in one place.
 */
import type { PointRecord, SweepResults } from '../files/schemas.js';
import { formatBytes, formatConfig, formatNumber, formatSpeedup } from './format.js';
import { BRANCH_KEYS, branchCount, sweptAxes, type BackendName, type Mode } from './series.js';
import { againstReference, speedupIndex, type SpeedupInfo } from './speedup.js';
import { figureOf, summarizeResults, type GroupSummary, type SpeedupFigure } from './summary.js';
import { canonicalJson } from '../core/point-key.js';

/** `pending`: the answer waits on groups values not measured yet (a run in flight, or one cut short). */
export type VerdictKind = 'pays' | 'costs' | 'never' | 'undecided' | 'pending' | 'none';

/** How far the quoted figures can be trusted: interval widths, points that missed the target, busy points. */
export interface VerdictQuality {
  level: 'good' | 'fair' | 'poor';
  /** Widest 95% interval among the counted speedups, as ± percent around the median (geometric half-width). */
  widestPercent: number;
  /** Median of those half-widths, ± percent. */
  typicalPercent: number;
  /** Counted speedups whose interval is wider than the profile's target (ln(high/low) > targetCiWidth). */
  overTarget: number;
  counted: number;
  busyPoints: number;
  text: string;
}

export interface VerdictCard {
  family: string;
  mode: Mode;
  backend: BackendName;
  kind: VerdictKind;
  /** The answer in one line, e.g. `Fusing pays from g ≥ 4: ×2.3 [2.1–2.5] at g=12 (channels=512, batch=32)`. */
  headline: string;
  /** Further facts: the implementation, memory at that point, equivalence, caveats. */
  details: string[];
  quality: VerdictQuality;
  /** The crossover groups value, where fusing pays from one. */
  crossoverGroups?: number;
  /** The figure the headline quotes. */
  figure?: SpeedupFigure;
  /** Groups values of the headline slice the plan holds and the results do not (yet). */
  pending?: number[];
  /** Where another backend answers otherwise for this family and mode: its answer, and the fused form each runs. */
  otherBackends?: string[];
}

/** `g=12 (channels=512, batch=32)` — the branch count first (groups, or a ragged grouping's), the other keys in brackets. */
function place(config: Record<string, unknown>, keys: readonly string[]): string {
  const isBranch = (k: string) => (BRANCH_KEYS as readonly string[]).includes(k);
  const others = keys.filter((k) => !isBranch(k) && k in config);
  const count = branchCount(config);
  const g = count !== undefined && keys.some(isBranch) ? `g=${count}` : '';
  const rest = others.length > 0 ? formatConfig(config, others) : '';
  if (g && rest) return ` at ${g} (${rest})`;
  return g || rest ? ` at ${g || rest}` : '';
}

function rangeText(s: GroupSummary): string {
  if (!s.range) return '';
  const low = formatNumber(s.range.low);
  const high = formatNumber(s.range.high);
  return ` (×${low === high ? low : `${low}–${high}`})`;
}

/** Whether a config lies in the summary's headline slice (the largest values of the other swept keys). */
function inHeadline(config: Record<string, unknown>, s: GroupSummary): boolean {
  return Object.entries(s.slices.at(-1)?.slice ?? {}).every(([k, v]) => canonicalJson(config[k]) === canonicalJson(v));
}

/** The figure a card quotes: the best point in the headline slice where there is one, else the summary's best. */
function quoted(s: GroupSummary): SpeedupFigure | undefined {
  const c = s.crossover;
  if (c.kind !== 'found') return s.best;
  return s.best && inHeadline(s.best.at, s) ? s.best : c;
}

/**
 * The branch counts a profile plans for a family: its groups axis (its own, else the profile's), or for a
 * ragged grouping (class-linear's classesPerGroup lists) the lists' lengths; none where it sweeps neither.
 */
function plannedGroups(results: SweepResults, family: string): number[] {
  const config = results.points.find((p) => p.family === family)?.config ?? {};
  const entry = results.profile.families.find((f) => (typeof f === 'string' ? f : f.family) === family);
  const axes = typeof entry === 'object' ? entry.axes : undefined;
  const global = results.profile.axes ?? {};
  const values =
    'groups' in config
      ? (axes?.groups ?? global.groups ?? [])
      : 'classesPerGroup' in config
        ? (axes?.classesPerGroup ?? global.classesPerGroup ?? []).map((l) => (Array.isArray(l) ? l.length : undefined))
        : [];
  return [...new Set(values.filter((g): g is number => typeof g === 'number'))].sort((a, b) => a - b);
}

/** `g = 12, 16` */
function groupsList(gs: readonly number[]): string {
  return `g = ${gs.join(', ')}`;
}

/** The best figure (highest lower bound) at each groups value ≥ 2 of the headline slice. */
function bestByGroups(results: SweepResults, s: GroupSummary, speedupOf: (p: PointRecord) => SpeedupInfo): Map<number, SpeedupFigure> {
  const out = new Map<number, SpeedupFigure>();
  for (const p of results.points) {
    if (p.family !== s.family || p.mode !== s.mode || p.backend !== s.backend || p.role !== 'parallel') continue;
    const g = branchCount(p.config);
    if (s.disqualified.includes(p.implementation) || g === undefined || g < 2) continue;
    if (!inHeadline(p.config, s)) continue;
    const f = figureOf(p, speedupOf(p));
    const held = out.get(g);
    if (f && (!held || f.speedupLow > held.speedupLow)) out.set(g, f);
  }
  return out;
}

/** The groups values the headline slice planned and has no point for yet (a run in flight, or cut short). */
function pendingGroups(results: SweepResults, s: GroupSummary): number[] {
  if (results.complete !== false) return [];
  const measured = new Set(
    results.points
      .filter((p) => p.family === s.family && p.mode === s.mode && p.backend === s.backend && inHeadline(p.config, s))
      .map((p) => branchCount(p.config)),
  );
  return plannedGroups(results, s.family).filter((g) => !measured.has(g));
}

/** `faster at g = 4, 8; slower at g = 2`: what the chart shows, per verdict, for the best form at each g. */
function byVerdict(figures: ReadonlyMap<number, SpeedupFigure>): { text: string; faster: number[]; slower: number[] } {
  const at = (v: SpeedupFigure['verdict']) =>
    [...figures]
      .filter(([, f]) => f.verdict === v)
      .map(([g]) => g)
      .sort((a, b) => a - b);
  const faster = at('faster');
  const slower = at('slower');
  const noise = at('within-noise');
  const parts = [
    ...(faster.length > 0 ? [`faster at ${groupsList(faster)}`] : []),
    ...(slower.length > 0 ? [`slower at ${groupsList(slower)}`] : []),
    ...(noise.length > 0 ? [`within noise at ${groupsList(noise)}`] : []),
  ];
  return { text: parts.join('; '), faster, slower };
}

interface Headline {
  kind: VerdictKind;
  headline: string;
  figure?: SpeedupFigure;
}

function headlineOf(
  s: GroupSummary,
  swept: readonly string[],
  figures: ReadonlyMap<number, SpeedupFigure>,
  pending: readonly number[],
  live: boolean,
): Headline {
  const c = s.crossover;
  if (c.kind === 'found') {
    const f = quoted(s)!;
    const from = `${formatSpeedup(c)} at g=${c.groups}`;
    const best =
      f.speedupLow > c.speedupLow ? `, up to ${formatSpeedup(f)}${place(f.at, swept)}` : place(c.at, swept).replace(/^ at g=\d+/, '');
    const soFar = pending.length > 0 ? ` (${live ? 'measuring' : 'not measured'}: ${groupsList(pending)})` : '';
    return { kind: 'pays', headline: `Fusing pays from g ≥ ${c.groups}: ${from}${best}${soFar}`, figure: f };
  }
  const counted = byVerdict(figures);
  if (pending.length > 0 && (c.kind !== 'groups-not-swept' || !s.best)) {
    const so = counted.text ? `; so far ${counted.text}` : '; no speedup yet';
    return {
      kind: 'pending',
      headline: `${live ? 'Measuring' : 'Not measured'} ${groupsList(pending)}${so}`,
      ...(s.best ? { figure: s.best } : {}),
    };
  }
  // The best figure goes with these answers too: the details name the form and what it runs on.
  const best = s.best ? { figure: s.best } : {};
  if (c.kind === 'never') return { kind: 'never', headline: `Fusing never pays in this range${rangeText(s)}`, ...best };
  if (c.kind === 'undecided') {
    if (counted.faster.length === 0 && counted.slower.length > 0)
      return { kind: 'costs', headline: `Fusing does not pay here: ${counted.text}${rangeText(s)}`, ...best };
    if (counted.faster.length > 0) return { kind: 'undecided', headline: `Undecided: ${counted.text}${rangeText(s)}`, ...best };
    return { kind: 'undecided', headline: `Undecided: within noise at every g${rangeText(s)}`, ...best };
  }
  const top = s.best;
  if (!top)
    return live
      ? { kind: 'pending', headline: 'Measuring: no speedup yet' }
      : { kind: 'none', headline: 'No answer: no parallel point with a counted speedup' };
  const at = place(top.at, swept);
  if (top.verdict === 'faster') return { kind: 'pays', headline: `Fusing pays: ${formatSpeedup(top)}${at}`, figure: top };
  if (top.verdict === 'slower') return { kind: 'costs', headline: `Fusing costs time: ${formatSpeedup(top)}${at}`, figure: top };
  return { kind: 'undecided', headline: `Undecided: within noise, ${formatSpeedup(top)}${at}`, figure: top };
}

/** The point a figure quotes, of one family × mode × backend (a summary's or a card's). */
function pointAt(results: SweepResults, s: Pick<GroupSummary, 'family' | 'mode' | 'backend'>, f: SpeedupFigure): PointRecord | undefined {
  const key = canonicalJson(f.at);
  return results.points.find(
    (p) =>
      p.family === s.family &&
      p.mode === s.mode &&
      p.backend === s.backend &&
      p.implementation === f.implementation &&
      canonicalJson(p.config) === key,
  );
}

/**
 * `memory ×2.5 (+465 MiB) vs serial.branchLoop`: the fused point's peak against the reference loop's, the
 * memory a model pays for the rewrite, where both were measured by the same meter.
 */
function memoryText(point: PointRecord | undefined, reference: PointRecord | undefined): string | undefined {
  const m = point?.memory;
  const b = reference?.memory;
  if (!m || !b || b.peakBytes <= 0 || m.source !== b.source) return undefined;
  const diff = m.peakBytes - b.peakBytes;
  return `memory ×${formatNumber(m.peakBytes / b.peakBytes)} (${diff >= 0 ? '+' : '−'}${formatBytes(Math.abs(diff))}) vs ${reference!.implementation}`;
}

function equivalenceText(results: SweepResults, s: GroupSummary): string | undefined {
  const checked = results.points.filter(
    (p) => p.family === s.family && p.mode === s.mode && p.backend === s.backend && p.role === 'parallel' && p.equivalence,
  );
  if (checked.length === 0) return undefined;
  const passed = checked.filter((p) => p.equivalence!.pass);
  const maxErr = Math.max(...passed.map((p) => p.equivalence!.relErr ?? 0));
  const failing = checked.length - passed.length;
  const same = passed.length > 0 ? `same function (max rel. err ${formatNumber(maxErr, 1)})` : '';
  const not = failing > 0 ? `⚠ ${failing} point(s) not equivalent, not counted` : '';
  return [same, not].filter(Boolean).join('; ');
}

function qualityOf(results: SweepResults, s: GroupSummary, speedupOf: (p: PointRecord) => SpeedupInfo): VerdictQuality {
  const target = results.profile.measure.targetCiWidth;
  const widths: number[] = [];
  for (const p of results.points) {
    if (p.family !== s.family || p.mode !== s.mode || p.backend !== s.backend) continue;
    const info = speedupOf(p);
    if (info.speedupLow === undefined || info.speedupHigh === undefined || info.speedupLow <= 0) continue;
    widths.push(Math.log(info.speedupHigh / info.speedupLow));
  }
  const percent = (w: number) => (Math.exp(w / 2) - 1) * 100;
  const sorted = [...widths].sort((a, b) => a - b);
  const widest = sorted.at(-1) ?? 0;
  const typical = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const overTarget = widths.filter((w) => w > target + 1e-12).length;
  const level: VerdictQuality['level'] =
    widths.length === 0 || overTarget > widths.length / 2 || s.busyPoints > widths.length / 2
      ? 'poor'
      : overTarget > 0 || s.busyPoints > 0
        ? 'fair'
        : 'good';
  const parts = [
    widths.length > 0 ? `intervals ±${formatNumber(percent(typical), 2)}% (widest ±${formatNumber(percent(widest), 2)}%)` : 'no intervals',
    ...(overTarget > 0 ? [`${overTarget} of ${widths.length} wider than the target`] : []),
    ...(s.busyPoints > 0 ? [`${s.busyPoints} measured while the machine was busy`] : []),
  ];
  return {
    level,
    widestPercent: percent(widest),
    typicalPercent: percent(typical),
    overTarget,
    counted: widths.length,
    busyPoints: s.busyPoints,
    text: parts.join(' · '),
  };
}

/**
 * One card per family × mode × backend, in summary order.
 *
 * @example verdictCards(results)[0].headline // 'Fusing pays from g ≥ 4: ×2.3 [2.1–2.5] at g=12 (channels=512, batch=32)'
 */
export function verdictCards(
  results: SweepResults,
  summaries: readonly GroupSummary[] = summarizeResults(results),
  options: { live?: boolean } = {},
): VerdictCard[] {
  const speedupOf = speedupIndex(results);
  const cards = summaries.map((s) => {
    const swept = sweptAxes(results, s.family);
    const pending = pendingGroups(results, s);
    const { kind, headline: answer, figure } = headlineOf(s, swept, bestByGroups(results, s, speedupOf), pending, options.live === true);
    const details: string[] = [];
    const point = figure ? pointAt(results, s, figure) : undefined;
    // A figure judged against a serial twin says so in the headline; the loop as written follows in the details.
    const info = point ? speedupOf(point) : undefined;
    const r = point && info ? againstReference(point, info, results.profile.measure.seed) : undefined;
    const headline = r && point?.baseline ? `${answer} over ${point.baseline}` : answer;
    if (figure) {
      details.push(`${figure.implementation} (${figure.verdict})`);
      const memory = point ? memoryText(point, info?.reference) : undefined;
      if (memory) details.push(memory);
      if (r) details.push(`against ${r.reference} as written ${formatSpeedup(r)} (${r.verdict})`);
    }
    const eq = equivalenceText(results, s);
    if (eq) details.push(eq);
    if (s.control) details.push(`at g=1, nothing to fuse: ${formatSpeedup(s.control)} (the fused form's own cost)`);
    if (s.disagreements.length > 0) details.push(`backends disagree at ${s.disagreements.length} config(s)`);
    return {
      family: s.family,
      mode: s.mode,
      backend: s.backend,
      kind,
      headline,
      details,
      quality: qualityOf(results, s, speedupOf),
      ...(s.crossover.kind === 'found' ? { crossoverGroups: s.crossover.groups } : {}),
      ...(pending.length > 0 ? { pending } : {}),
      ...(figure ? { figure } : {}),
    };
  });
  backendNotes(results, cards);
  return cards;
}

const KIND_WORDS: Record<VerdictKind, string> = {
  pays: 'fusing pays',
  costs: 'fusing costs time',
  never: 'fusing never pays',
  undecided: 'undecided',
  pending: 'not measured yet',
  none: 'no answer',
};

/** `parallel.groupedConv (Conv2d(groups=g))`: the form a card quotes and the primitive it runs on. */
function formOf(results: SweepResults, card: VerdictCard): string | undefined {
  const f = card.figure;
  if (!f) return undefined;
  const p = pointAt(results, card, f);
  return p?.primitive ? `${f.implementation} (${p.primitive})` : f.implementation;
}

/**
 * Where another backend answers otherwise for the same family and mode, each card says so and why: the
 * fused form each backend runs (TensorFlow.js has no grouped convolution, PyTorch does), so a PyTorch
 * user does not take the wasm answer for theirs.
 */
function backendNotes(results: SweepResults, cards: VerdictCard[]): void {
  for (const card of cards) {
    for (const other of cards) {
      if (other === card || other.family !== card.family || other.mode !== card.mode || other.kind === card.kind) continue;
      const there = formOf(results, other);
      const here = formOf(results, card);
      const figure = other.figure ? ` ${formatSpeedup(other.figure)}` : '';
      const note = `on ${other.backend}: ${KIND_WORDS[other.kind]}${figure}${there ? ` with ${there}` : ''}${here ? `; here ${here}` : ''}`;
      card.details.push(note);
      (card.otherBackends ??= []).push(note);
    }
  }
}

/** A card as one line of text: what the app shows, joined, for tests and plain-text reports. */
export function verdictText(card: VerdictCard): string {
  return [card.headline, ...card.details].join(' · ');
}
