import type { Profile } from '../files/schemas.js';
import type { BackendName } from '../core/backend-names.js';
import { countPoints, expandProfile } from './expand.js';
import { estimateSweepMs, type Calibration } from './estimate.js';

/** A plan's invalid points (grouped by reason) and its time estimate: what the editor shows beside the point count. */
export interface PlanDetails {
  invalidPoints: number;
  /** Distinct reasons, at most 20: family, the config field at fault and the rule. */
  invalid: { family: string; field: string; message: string }[];
  /** The plan's estimated time on `calibration` (nominal rates where a backend has none). */
  estimatedMs: number;
  backends: BackendName[];
}

/**
 * Builds a plan to describe it: every config checked (invalid ones grouped by reason) and the time
 * estimated. It expands the plan, so a host calls it off its main thread (engine/worker/plan-worker.ts)
 * and only for plans within the point limit.
 *
 * @example planDetails(profile, {}).invalidPoints
 */
export function planDetails(profile: Profile, calibration: Calibration): PlanDetails {
  const groups = expandProfile(profile);
  const invalidGroups = groups.filter((g) => g.invalid);
  const invalid = new Map<string, PlanDetails['invalid'][number]>();
  for (const g of invalidGroups) {
    const key = `${g.family.name}: ${g.invalid}`;
    if (!invalid.has(key)) invalid.set(key, { family: g.family.name, field: g.invalidField ?? '', message: g.invalid! });
  }
  return {
    invalidPoints: countPoints(invalidGroups),
    invalid: [...invalid.values()].slice(0, 20),
    estimatedMs: estimateSweepMs(groups, profile.measure, calibration),
    backends: [...new Set(groups.map((g) => g.backend))],
  };
}
