/**
 * Shards: the i-th of N disjoint parts of a sweep's plan, for array jobs on a cluster (docs/scale-out.md).
 * A plan is cut by point group, so a group's paired rounds stay in one process on one machine, and
 * balanced by each group's nominal cost (the same figure on every machine: no calibration, so every
 * shard of a job cuts the plan the same way). Pure.
 */
import { createHash } from 'node:crypto';
import { FusebenchError } from '../core/errors.js';
import { canonicalJson } from '../core/point-key.js';
import type { BackendName } from '../core/backend-names.js';
import type { MeasureSettings, Profile } from '../files/schemas.js';
import { nominalGroupMs } from './estimate.js';
import type { PlannedGroup } from './expand.js';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** The most shards a plan may be cut into. */
export const MAX_SHARDS = 10_000;

/**
 * `--shard 2/3` → { index: 2, count: 3 }; a usage error naming the flag otherwise.
 *
 * @example parseShard('1/4') // { index: 1, count: 4 }
 */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new FusebenchError(
      `--shard must be i/N with 1 ≤ i ≤ N ≤ ${MAX_SHARDS} (e.g. --shard 2/3, or --shard $SLURM_ARRAY_TASK_ID/N), got '${text}'`,
      'usage',
      'shard',
    );
  }
  return { index, count };
}

/**
 * The shard (1-based) of each group, in plan order: the costliest group first to the least loaded shard
 * (ties to the lower index, equal costs in plan order), so no shard carries much more than its share.
 * Groups of one family, config and mode on several backends are one unit: a merge compares backends
 * point by point, and their points share nothing but they stay on one machine that way.
 *
 * @example assignShards(groups, profile.measure, 3) // [1, 2, 3, 3, 2, 1, …]
 */
export function assignShards(groups: readonly PlannedGroup[], settings: MeasureSettings, count: number): number[] {
  const loads = new Array<number>(count).fill(0);
  const sizes = new Array<number>(count).fill(0);
  const units = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const key = canonicalJson([g.family.name, g.mode, g.raw]);
    const members = units.get(key);
    if (members) members.push(i);
    else units.set(key, [i]);
  });
  const costOf = (i: number) => Math.max(nominalGroupMs(groups[i]!, settings), 0);
  const ordered = [...units.values()]
    .map((members, order) => ({ members, order, cost: members.reduce((a, i) => a + costOf(i), 0) }))
    .sort((a, b) => b.cost - a.cost || a.order - b.order);
  const out = new Array<number>(groups.length).fill(1);
  for (const unit of ordered) {
    let best = 0;
    for (let s = 1; s < count; s++) {
      if (loads[s]! < loads[best]! || (loads[s] === loads[best] && sizes[s]! < sizes[best]!)) best = s;
    }
    loads[best]! += unit.cost;
    sizes[best]! += unit.members.length;
    for (const i of unit.members) out[i] = best + 1;
  }
  return out;
}

/** The groups of one shard, in plan order. */
export function shardGroups(groups: readonly PlannedGroup[], settings: MeasureSettings, shard: Shard): PlannedGroup[] {
  const assigned = assignShards(groups, settings, shard.count);
  return groups.filter((_, i) => assigned[i] === shard.index);
}

/** Each shard's nominal cost (ms), for a balance check. */
export function shardLoads(groups: readonly PlannedGroup[], settings: MeasureSettings, count: number): number[] {
  const assigned = assignShards(groups, settings, count);
  const loads = new Array<number>(count).fill(0);
  groups.forEach((g, i) => (loads[assigned[i]! - 1]! += nominalGroupMs(g, settings)));
  return loads;
}

/**
 * sha256 of the plan every shard cuts: the profile and the backends it runs on. Shards of one job carry
 * the same hash; a merge refuses parts of two plans.
 */
export function planHash(profile: Profile, backends: readonly BackendName[]): string {
  return createHash('sha256').update(canonicalJson({ profile, backends })).digest('hex');
}

/** `2/3` */
export function shardText(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
