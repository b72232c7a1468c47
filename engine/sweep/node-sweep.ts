import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FusebenchError } from '../core/errors.js';
import { nodeEnvironment } from '../backends/environment.js';
import type { BackendName } from '../core/backend-names.js';
import type { TorchDevice } from '../torch/worker-process.js';
import { TOOL } from '../core/tool.js';
import { MAX_RESULTS_BYTES } from '../files/limits.js';
import { JournalWriter, makeDirectory, readText, writeFileAtomic } from '../files/node-files.js';
import { parseJournal, type Journal } from '../files/read.js';
import { RESULTS_SCHEMA_VERSION, type JournalHeader, type PointRecord, type Profile, type SweepResults } from '../files/schemas.js';
import { buildPlan, type PlannedGroup } from './expand.js';
import { assertBackendsAvailable, availableBackend, planSweep, type SweepPlan } from './plan.js';
import { planHash, shardGroups, shardText, type Shard } from './shards.js';
import { estimateGroupsMs, type Calibration } from './estimate.js';
import { canonicalJson } from '../core/point-key.js';
import { acquireSweepLock, type SweepLock } from './sweep-lock.js';
import { runSweep, type SweepOptions, type SweepProgress } from './run-sweep.js';
import { PassPool } from './pass-pool.js';

export interface SweepFilesRequest {
  /** The profile to run; with `resume`, it must be the one the journal was started with. */
  profile: Profile;
  outDir: string;
  /** Runs every point on this backend instead of the profile's backends. */
  backend?: BackendName;
  /** Continue the journal in `outDir`. */
  resume?: boolean;
  /** Also write report.html beside the results (the engine's process entry does, engine/worker/node-worker.ts; default true). */
  report?: boolean;
  /** Where the torch backend runs: `cuda:0`, `cpu`, or `auto` (CUDA when present; the default). */
  torchDevice?: TorchDevice;
  /** The most points the plan may have (default DEFAULT_MAX_POINTS; `--max-points`). */
  maxPoints?: number;
  /** The host's measured cost of earlier runs: progress reports carry the plan's time estimate with it. */
  calibration?: Calibration;
  /** The plan the host made (engine/sweep/plan.ts planSweep, once per run); made here where a caller gives none. */
  plan?: SweepPlan;
  /** Measure only this part of the plan (`--shard i/N`; engine/sweep/shards.ts). */
  shard?: Shard;
}

export interface SweepFilesResult {
  results: SweepResults;
  resultsPath: string;
  journalPath: string;
  /** Points taken from the journal rather than measured now. */
  resumedPoints: number;
}

/**
 * File-name-safe form of a profile name: letters, digits, '.', '_' and '-', never starting with a dot
 * (a name like '..' or '.' would otherwise be the folder above or this one).
 */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'sweep';
}

/** Hooks a test gives a sweep (engine/worker/engine-process.ts): never set in normal use. */
export type SweepHooks = Partial<Pick<SweepOptions, 'holdAfterPoints' | 'releaseHold'>>;

/** Where a sweep folder keeps the journal of profile `name`. */
export function journalPathIn(outDir: string, name: string): string {
  return join(outDir, `${fileStem(name)}.sweep.ndjson`);
}

/**
 * Runs a sweep to files: appends each finished point to `<name>.sweep.ndjson` as it finishes, then
 * writes `<name>.sweep.json` atomically (and report.html). With `resume`, continues that journal:
 * finished points are kept, the rest (the point that was in flight included) are measured.
 */
export async function runSweepToFiles(
  request: SweepFilesRequest,
  signal?: AbortSignal,
  onProgress?: (p: SweepProgress) => void,
  onPoint?: (p: PointRecord) => void,
  hooks: SweepHooks = {},
): Promise<SweepFilesResult> {
  makeDirectory(request.outDir);
  const lock = acquireSweepLock(request.outDir);
  try {
    return await runLocked(request, lock, signal, onProgress, onPoint, hooks);
  } finally {
    lock.release();
  }
}

/** The groups of `shard` (all of them without one). */
function ofShard(groups: PlannedGroup[], profile: Profile, shard: Shard | undefined): PlannedGroup[] {
  return shard ? shardGroups(groups, profile.measure, shard) : groups;
}

/** sha256 of a profile's canonical JSON: the journal's record of which sweep it holds. */
export function profileHash(profile: Profile): string {
  return createHash('sha256').update(canonicalJson(profile)).digest('hex');
}

/** The journal in `path`, or undefined when there is none or it was cut before its header was whole (a kill at creation). */
export function existingJournal(path: string): Journal | undefined {
  if (!existsSync(path)) return undefined;
  const text = readText(path, MAX_RESULTS_BYTES, { noFollow: true });
  if (!text.includes('\n')) return undefined;
  return parseJournal(path, text);
}

/**
 * The journal's points a resume keeps: those of groups the journal holds whole. Error points (a backend
 * that could not start, a runtime failure) hold no measurement, and a group cut off mid-way (a crash
 * between two of its points) must be measured again as a whole: its points are paired round by round.
 */
function resumable(points: readonly PointRecord[], groups: readonly PlannedGroup[]): PointRecord[] {
  const byKey = new Map(points.filter((p) => p.status !== 'error').map((p) => [p.key, p]));
  return groups.filter((g) => g.keys.every((k) => byKey.has(k))).flatMap((g) => g.keys.map((k) => byKey.get(k)!));
}

async function runLocked(
  request: SweepFilesRequest,
  lock: SweepLock,
  signal: AbortSignal | undefined,
  onProgress: ((p: SweepProgress) => void) | undefined,
  onPoint: ((p: PointRecord) => void) | undefined,
  hooks: SweepHooks,
): Promise<SweepFilesResult> {
  const journalPath = journalPathIn(request.outDir, request.profile.name);
  const journal = existingJournal(journalPath);
  const hash = profileHash(request.profile);
  let header: JournalHeader;
  let previous: PointRecord[] = [];
  let groups: PlannedGroup[];
  let plan: SweepPlan;
  let writer: JournalWriter;
  // A sweep killed before its journal existed left only its lock: resuming it starts it afresh.
  if (request.resume && !existsSync(journalPath) && !lock.replaced) {
    throw new FusebenchError(`--resume: there is no journal ${journalPath} to continue; run without --resume`, 'usage');
  }
  if (request.resume && journal) {
    if (journal.writtenVersion < RESULTS_SCHEMA_VERSION) {
      throw new FusebenchError(
        `${journalPath} was written by an earlier Fusebench (results version ${journal.writtenVersion}), which measured points another way; ` +
          'resuming would mix two methods: start a new sweep with another --out',
        'usage',
      );
    }
    const sameProfile = journal.header.profileHash
      ? journal.header.profileHash === hash
      : canonicalJson(journal.header.profile) === canonicalJson(request.profile);
    if (!sameProfile) {
      throw new FusebenchError(
        `${journalPath} was started with a different version of this profile; resuming would mix two sweeps: use another --out`,
        'usage',
      );
    }
    const recorded = journal.header.backends ?? (request.backend ? [request.backend] : [...journal.header.profile.backends]);
    plan =
      request.plan ??
      planSweep(journal.header.profile, {
        ...(request.backend ? { backend: request.backend } : {}),
        resumedOn: recorded,
        journal: journalPath,
      });
    if (!request.plan) await assertBackendsAvailable(plan);
    const recordedShard = journal.header.shard;
    if ((recordedShard?.index ?? 0) !== (request.shard?.index ?? 0) || (recordedShard?.count ?? 0) !== (request.shard?.count ?? 0)) {
      throw new FusebenchError(
        recordedShard
          ? `${journalPath} holds shard ${shardText(recordedShard)} of its sweep: resume it with --resume --shard ${shardText(recordedShard)}`
          : `${journalPath} holds a whole sweep, not a shard: resume it without --shard`,
        'usage',
        'shard',
      );
    }
    header = { ...journal.header, backends: plan.backends };
    groups = ofShard(buildPlan(header.profile, plan.backends), header.profile, recordedShard);
    previous = resumable(journal.points, groups);
    writer = JournalWriter.resume(journalPath, journal, previous);
  } else {
    if (journal) {
      throw new FusebenchError(
        `${journalPath} already holds a journal of this sweep; pass --resume to continue it, or choose another --out`,
        'usage',
      );
    }
    plan =
      request.plan ??
      planSweep(request.profile, {
        ...(request.backend ? { backend: request.backend } : {}),
        ...(request.maxPoints ? { maxPoints: request.maxPoints } : {}),
      });
    if (!request.plan) await assertBackendsAvailable(plan);
    const backends = plan.backends;
    header = {
      kind: 'header',
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: 'fusebench', version: TOOL.version },
      createdAt: new Date().toISOString(),
      profile: request.profile,
      environment: await nodeEnvironment(backends),
      backends,
      profileHash: hash,
      ...(request.shard ? { shard: { ...request.shard, planHash: planHash(request.profile, backends) } } : {}),
    };
    groups = ofShard(buildPlan(request.profile, backends), request.profile, request.shard);
    writer = JournalWriter.create(journalPath, header);
  }
  const profile = header.profile;
  const done = new Set(previous.map((p) => p.key));
  let fresh: PointRecord[];
  const pool = new PassPool({ torchDevice: request.torchDevice ?? 'auto' });
  // The pass processes start before the first point; their PyTorch workers start with the first torch
  // group (between groups, while nothing is timing), so a sweep that begins on wasm answers at once.
  let torchReady: Promise<void> | undefined;
  const useBackend = async (backend: BackendName) => {
    const info = await availableBackend(backend);
    if (backend === 'torch') await (torchReady ??= pool.start(profile.measure.maxPasses, true));
    return info;
  };
  try {
    await pool.start(profile.measure.maxPasses, false);
    fresh = await runSweep({
      ...hooks,
      groups,
      estimates: estimateGroupsMs(groups, profile.measure, request.calibration ?? {}),
      settings: profile.measure,
      done,
      useBackend,
      measure: (group, settings, pass, signal) => pool.measure(group, settings, pass, signal),
      signal,
      onProgress,
      onPoint: (p, again) => {
        // A point measured again improves the results file; the journal keeps its first record for a resume.
        if (!again) writer.append(p);
        onPoint?.(p);
      },
    });
  } finally {
    writer.close();
    await pool.dispose();
  }
  const byKey = new Map<string, PointRecord>();
  for (const p of [...previous, ...fresh]) byKey.set(p.key, p);
  const points = [...byKey.values()];
  const results: SweepResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: header.tool,
    createdAt: header.createdAt,
    finishedAt: new Date().toISOString(),
    complete: !signal?.aborted && points.every((p) => p.status !== 'cancelled'),
    profile,
    environment: header.environment,
    points,
    ...(header.shard ? { shard: header.shard } : {}),
  };
  const resultsPath = join(request.outDir, `${fileStem(profile.name)}.sweep.json`);
  writeFileAtomic(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  return { results, resultsPath, journalPath, resumedPoints: previous.length };
}
