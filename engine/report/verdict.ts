/**
 * The answer first: one card per family × mode × backend, built from the summary (summary.ts) and the
 * points it quotes, in words and numbers. The app shows these at the top of Results; tests compare the
 * cards on screen with this function's output, so the words are made in one place.
 */
import type { PointRecord, SweepResults } from '../files/schemas.js';
import { formatBytes, formatConfig, formatNumber, formatSpeedup } from './format.js';
import { sweptAxes, type BackendName, type Mode } from './series.js';
import { againstReference, speedupIndex, type SpeedupInfo } from './speedup.js';
import { summarizeResults, type GroupSummary, type SpeedupFigure } from './summary.js';
import { canonicalJson } from '../core/point-key.js';

export type VerdictKind = 'pays' | 'costs' | 'never' | 'undecided' | 'none';

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
}

/** `g=12 (channels=512, batch=32)` — groups first, the other keys in brackets. */
function place(config: Record<string, unknown>, keys: readonly string[]): string {
  const others = keys.filter((k) => k !== 'groups' && k in config);
  const g = typeof config.groups === 'number' && keys.includes('groups') ? `g=${config.groups}` : '';
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

/** The figure a card quotes: the best point in the headline slice where there is one, else the summary's best. */
function quoted(s: GroupSummary): SpeedupFigure | undefined {
  const c = s.crossover;
  if (c.kind !== 'found') return s.best;
  const headline = s.slices.at(-1)?.slice ?? {};
  const inSlice = (f: SpeedupFigure) => Object.entries(headline).every(([k, v]) => canonicalJson(f.at[k]) === canonicalJson(v));
  return s.best && inSlice(s.best) ? s.best : c;
}

function headlineOf(s: GroupSummary, swept: readonly string[]): { kind: VerdictKind; headline: string; figure?: SpeedupFigure } {
  const c = s.crossover;
  if (c.kind === 'found') {
    const f = quoted(s)!;
    return { kind: 'pays', headline: `Fusing pays from g ≥ ${c.groups}: ${formatSpeedup(f)}${place(f.at, swept)}`, figure: f };
  }
  if (c.kind === 'never') return { kind: 'never', headline: `Fusing never pays in this range${rangeText(s)}` };
  if (c.kind === 'undecided') return { kind: 'undecided', headline: `Undecided: within noise${rangeText(s)}` };
  const best = s.best;
  if (!best) return { kind: 'none', headline: 'No answer: no parallel point with a counted speedup' };
  const at = place(best.at, swept);
  if (best.verdict === 'faster') return { kind: 'pays', headline: `Fusing pays: ${formatSpeedup(best)}${at}`, figure: best };
  if (best.verdict === 'slower') return { kind: 'costs', headline: `Fusing costs time: ${formatSpeedup(best)}${at}`, figure: best };
  return { kind: 'undecided', headline: `Undecided: within noise, ${formatSpeedup(best)}${at}`, figure: best };
}

function pointAt(results: SweepResults, s: GroupSummary, f: SpeedupFigure): PointRecord | undefined {
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
export function verdictCards(results: SweepResults, summaries: readonly GroupSummary[] = summarizeResults(results)): VerdictCard[] {
  const speedupOf = speedupIndex(results);
  return summaries.map((s) => {
    const swept = sweptAxes(results, s.family);
    const { kind, headline: answer, figure } = headlineOf(s, swept);
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
    if (s.control) details.push(`overhead at g=1 ${formatSpeedup(s.control)}`);
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
      ...(figure ? { figure } : {}),
    };
  });
}

/** A card as one line of text: what the app shows, joined, for tests and plain-text reports. */
export function verdictText(card: VerdictCard): string {
  return [card.headline, ...card.details].join(' · ');
}
