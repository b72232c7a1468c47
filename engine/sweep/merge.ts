/**
 * The shards of one sweep (`fusebench sweep --shard i/N`, maybe on as many machines) merged into one
 * results file holding every point once (docs/scale-out.md). A shard holds whole groups, so every speedup
 * stays paired within one process on one machine; the merge only gathers. Pure.
 */
import { FusebenchError } from '../core/errors.js';
import type { SweepResults } from '../files/schemas.js';

/** A shard's results and where they came from (for messages). */
export interface ShardPart {
  path: string;
  results: SweepResults;
}

export interface MergeOutcome {
  results: SweepResults;
  /** Shard indexes of the plan that no part holds (merged anyway with allowPartial). */
  missing: number[];
  /** Distinct machines (host, or OS and CPU) the parts ran on. */
  machines: string[];
}

function refuse(message: string, field = 'shards'): FusebenchError {
  return new FusebenchError(message, 'usage', field);
}

function machineOf(r: SweepResults): string {
  const devices = r.environment.backends
    .filter((b) => b.available && r.points.some((p) => p.backend === b.name))
    .map((b) => `${b.name}: ${b.device ?? 'unknown device'}`);
  return `${r.environment.host ?? `${r.environment.os}, ${r.environment.cpu}`}${devices.length > 0 ? ` (${devices.join('; ')})` : ''}`;
}

/**
 * One results file from the shards of one plan: refused (a usage error, exit 2) when the parts come from
 * different profiles or plans, are not shards, give one shard twice or share a point; a missing shard
 * is refused by index unless `allowPartial` (then the merge is incomplete and says which are missing).
 *
 * @example mergeShards([{ path: 'a', results: s1 }, { path: 'b', results: s2 }, { path: 'c', results: s3 }]).results.points.length
 */
export function mergeShards(parts: readonly ShardPart[], options: { allowPartial?: boolean } = {}): MergeOutcome {
  if (parts.length === 0) throw refuse('merge needs the results of at least one shard');
  const first = parts[0]!;
  for (const part of parts) {
    if (!part.results.shard) {
      throw refuse(`${part.path} is not a shard (it was not run with --shard i/N); merge takes the shards of one sweep`);
    }
  }
  const plan = first.results.shard!;
  for (const part of parts) {
    const s = part.results.shard!;
    if (s.planHash !== plan.planHash || s.count !== plan.count) {
      throw refuse(
        `${part.path} (shard ${s.index}/${s.count}) is from another sweep than ${first.path} (shard ${plan.index}/${plan.count}): ` +
          'its profile, backends or shard count differ; merge the shards of one sweep',
      );
    }
  }
  const byIndex = new Map<number, ShardPart>();
  for (const part of parts) {
    const index = part.results.shard!.index;
    const other = byIndex.get(index);
    if (other) throw refuse(`shard ${index}/${plan.count} is given twice: ${other.path} and ${part.path}`);
    byIndex.set(index, part);
  }
  const missing = Array.from({ length: plan.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0 && !options.allowPartial) {
    throw refuse(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${plan.count}`).join(', ')} missing: run ${missing.length > 1 ? 'them' : 'it'} ` +
        '(or resume a killed one with --resume --shard i/N), or pass --allow-partial to merge what there is',
    );
  }
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, part]) => part);
  const seen = new Map<string, string>();
  const points = ordered.flatMap((part) =>
    part.results.points.map((p) => {
      const twice = seen.get(p.key);
      if (twice) throw refuse(`point ${p.key} is in two shards (${twice} and ${part.path}): they overlap; merge the shards of one sweep`);
      seen.set(p.key, part.path);
      return { ...p, shard: part.results.shard!.index };
    }),
  );
  const times = (pick: (r: SweepResults) => string | undefined) =>
    ordered
      .map((p) => pick(p.results))
      .filter((t): t is string => t !== undefined)
      .sort();
  const finished = times((r) => r.finishedAt);
  const results: SweepResults = {
    schemaVersion: first.results.schemaVersion,
    tool: first.results.tool,
    createdAt: times((r) => r.createdAt)[0]!,
    ...(finished.length > 0 ? { finishedAt: finished.at(-1)! } : {}),
    complete: missing.length === 0 && ordered.every((p) => p.results.complete),
    profile: first.results.profile,
    environment: ordered[0]!.results.environment,
    points,
    shards: ordered.map((part) => ({
      ...part.results.shard!,
      createdAt: part.results.createdAt,
      ...(part.results.finishedAt ? { finishedAt: part.results.finishedAt } : {}),
      complete: part.results.complete,
      environment: part.results.environment,
    })),
  };
  return { results, missing, machines: [...new Set(ordered.map((p) => machineOf(p.results)))] };
}
