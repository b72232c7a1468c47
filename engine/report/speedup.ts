import type { PointRecord, SweepResults } from '../files/schemas.js';
import { hashString, pairedSpeedup, roundRatios, type Verdict } from '../stats/paired.js';
import { canonicalJson } from '../core/point-key.js';
import { equivalenceFlag, isTimed } from './series.js';

/** A parallel point's standing against its baseline (the serial form with the same primitive) at the same config. */
export interface SpeedupInfo {
  /** Median of per-round ratios baseline / this, with its 95% interval: set only when it counts. */
  speedup?: number;
  speedupLow?: number;
  speedupHigh?: number;
  verdict?: Verdict;
  /** Baseline median / this median whether or not it counts, so a flagged point can still be placed on a chart. */
  ratio?: number;
  /** The baseline point, when the results hold one. */
  serial?: PointRecord;
  /**
   * The family's reference loop at this config (the first serial point there: sweeps measure it first),
   * what a model has before it is rewritten, whatever twin the speed is judged against.
   */
  reference?: PointRecord;
  /** Why the ratio does not count as a speedup (see equivalenceFlag). */
  flagged?: string;
}

function comparisonKey(p: PointRecord, implementation: string): string {
  return canonicalJson([p.family, p.mode, p.backend, p.config, implementation]);
}

/**
 * Indexes the serial points once and answers, for any point, its speedup over its baseline: the paired
 * figures the measurement recorded. Serial points get an empty answer; a non-equivalent point (or one
 * whose baseline is not equivalent) gets its ratio and a flag but never a speedup.
 *
 * Built once per results (per points array): every chart, table, summary and card of a report shares it.
 *
 * @example const speedupOf = speedupIndex(results); speedupOf(point).speedupLow // 1.5
 */
export function speedupIndex(results: SweepResults): (point: PointRecord) => SpeedupInfo {
  let index = indexes.get(results.points);
  if (!index) {
    index = buildSpeedupIndex(results);
    indexes.set(results.points, index);
  }
  return index;
}

/** Speedup indexes by the points they index: results are read, never changed, once analysed. */
const indexes = new WeakMap<readonly PointRecord[], (point: PointRecord) => SpeedupInfo>();

function buildSpeedupIndex(results: SweepResults): (point: PointRecord) => SpeedupInfo {
  const serials = new Map<string, PointRecord>();
  const references = new Map<string, PointRecord>();
  for (const p of results.points) {
    if (p.role !== 'serial' || p.status !== 'ok') continue;
    serials.set(comparisonKey(p, p.implementation), p);
    // The first serial of a config is the family's reference: results v1 named no baseline.
    const any = comparisonKey(p, '');
    if (!references.has(any)) references.set(any, p);
  }
  return (point) => {
    if (point.role !== 'parallel') return {};
    const reference = references.get(comparisonKey(point, ''));
    const serial = point.baseline ? serials.get(comparisonKey(point, point.baseline)) : reference;
    const flagged =
      equivalenceFlag(point) ??
      (serial?.equivalence?.pass === false ? `its baseline ${serial.implementation} is not equivalent` : undefined);
    const ratio = serial && isTimed(serial) && isTimed(point) ? serial.time.medianMs / point.time.medianMs : undefined;
    const info: SpeedupInfo = {};
    if (serial) info.serial = serial;
    if (reference) info.reference = reference;
    if (ratio !== undefined) info.ratio = ratio;
    if (flagged) info.flagged = flagged;
    else if (point.speedup !== undefined) {
      info.speedup = point.speedup;
      if (point.speedupLow !== undefined && point.speedupHigh !== undefined) {
        info.speedupLow = point.speedupLow;
        info.speedupHigh = point.speedupHigh;
      }
      if (point.verdict) info.verdict = point.verdict;
    }
    return info;
  };
}

/** A parallel point against the reference loop as written, where its baseline is a serial twin. */
export interface AgainstReference {
  reference: string;
  speedup: number;
  speedupLow: number;
  speedupHigh: number;
  verdict: Verdict;
}

/**
 * Where a parallel point is judged against a serial twin (same primitive), its speed against the family's
 * reference loop too: the same paired rounds (the reference was timed in every round of the group), so
 * a user sees both what fusion gains and what the rewrite gains over the code they have.
 * Undefined where the baseline is the reference, or either side holds no samples.
 */
export function againstReference(point: PointRecord, info: SpeedupInfo, seed: number): AgainstReference | undefined {
  const { reference } = info;
  if (!reference || !point.baseline || point.baseline === reference.implementation) return undefined;
  if (!isTimed(reference) || !isTimed(point) || point.equivalence?.pass === false) return undefined;
  const ratios = roundRatios(reference.time.samplesMs, point.time.samplesMs);
  if (ratios.length === 0) return undefined;
  const e = pairedSpeedup(ratios, seed ^ hashString(`${point.key}/${reference.implementation}`));
  return {
    reference: reference.implementation,
    speedup: e.speedup,
    speedupLow: e.speedupLow,
    speedupHigh: e.speedupHigh,
    verdict: e.verdict,
  };
}
