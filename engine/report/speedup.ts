import type { PointRecord, SweepResults } from '../files/schemas.js';
import { canonicalJson } from '../measure/point-key.js';
import { equivalenceFlag, isTimed } from './series.js';

/** A parallel point's standing against the serial reference at the same config, mode and backend. */
export interface SpeedupInfo {
  /** Serial median / this median: set only when both are timed and this point passed its equivalence gate. */
  speedup?: number;
  /** The same ratio whether or not it counts, so a flagged point can still be placed on a chart. */
  ratio?: number;
  /** The serial reference point, when the results hold one. */
  serial?: PointRecord;
  /** Why the ratio does not count as a speedup (see equivalenceFlag). */
  flagged?: string;
}

function comparisonKey(p: PointRecord): string {
  return canonicalJson([p.family, p.mode, p.backend, p.config]);
}

/**
 * Indexes the serial points once and answers, for any point, its speedup over serial. Serial points
 * get an empty answer; a non-equivalent point gets its ratio and a flag but never a speedup.
 *
 * @example const speedupOf = speedupIndex(results); speedupOf(point).speedup // 1.6
 */
export function speedupIndex(results: SweepResults): (point: PointRecord) => SpeedupInfo {
  const serials = new Map<string, PointRecord>();
  for (const p of results.points) if (p.role === 'serial' && isTimed(p)) serials.set(comparisonKey(p), p);
  return (point) => {
    if (point.role !== 'parallel') return {};
    const serial = serials.get(comparisonKey(point));
    const flagged = equivalenceFlag(point);
    const ratio = serial && isTimed(serial) && isTimed(point) ? serial.time.medianMs / point.time.medianMs : undefined;
    const info: SpeedupInfo = {};
    if (serial) info.serial = serial;
    if (ratio !== undefined) info.ratio = ratio;
    if (flagged) info.flagged = flagged;
    else if (ratio !== undefined && point.equivalence?.pass === true) info.speedup = ratio;
    return info;
  };
}
