import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FusebenchError } from '../core/errors.js';
import { useBackend } from '../backends/node.js';
import { nodeEnvironment } from '../backends/environment.js';
import type { BackendName } from '../backends/backend.js';
import { TorchError, TorchWorker, type TorchDevice } from '../backends/torch/worker-process.js';
import { measureTorchGroup } from '../backends/torch/measure-torch.js';
import { measureGroup } from '../measure/measure-group.js';
import { TOOL } from '../index.js';
import { JournalWriter, readJournalFile, writeFileAtomic } from '../files/node-files.js';
import { RESULTS_SCHEMA_VERSION, type JournalHeader, type PointRecord, type Profile, type SweepResults } from '../files/schemas.js';
import { renderReport } from '../report/node-report.js';
import { expandProfile } from './expand.js';
import { canonicalJson } from '../measure/point-key.js';
import { runSweep, type SweepOptions, type SweepProgress } from './run-sweep.js';

export interface SweepFilesRequest {
  /** The profile to run; with `resume`, it must be the one the journal was started with. */
  profile: Profile;
  outDir: string;
  /** Runs every point on this backend instead of the profile's backends. */
  backend?: BackendName;
  /** Continue the journal in `outDir`. */
  resume?: boolean;
  /** Also write report.html beside the results. */
  report?: boolean;
  /** Where the torch backend runs: `cuda:0`, `cpu`, or `auto` (CUDA when present; the default). */
  torchDevice?: TorchDevice;
}

export interface SweepFilesResult {
  results: SweepResults;
  resultsPath: string;
  journalPath: string;
  reportPath?: string;
  /** Points taken from the journal rather than measured now. */
  resumedPoints: number;
}

/** File-name-safe form of a profile name. */
export function fileStem(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'sweep';
}

/**
 * `FUSEBENCH_TEST_HOLD_AFTER_POINTS=N`: end-to-end tests of cancelling set this on the host they start,
 * so a sweep measures N points and then waits for the cancel; never set in normal use.
 */
function testHoldAfterPoints(): number | undefined {
  const raw = process.env.FUSEBENCH_TEST_HOLD_AFTER_POINTS;
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Measures each group on its backend: TensorFlow.js groups in this process, torch groups in one PyTorch
 * worker per sweep, started on the first torch group; a worker that fails is replaced for the next group
 * (the failed group's points become `error` points with the reason).
 */
function sweepMeasurer(device: TorchDevice): { measure: NonNullable<SweepOptions['measure']>; dispose(): Promise<void> } {
  let worker: TorchWorker | undefined;
  return {
    async measure(group, settings, signal) {
      if (group.backend.name !== 'torch') return measureGroup(group, settings, signal);
      worker ??= await TorchWorker.start({ device });
      try {
        return await measureTorchGroup(group, settings, worker, signal);
      } catch (e) {
        if (e instanceof TorchError) {
          await worker.dispose();
          worker = undefined;
        }
        throw e;
      }
    },
    dispose: async () => worker?.dispose(),
  };
}

function journalPathIn(outDir: string, name: string): string {
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
): Promise<SweepFilesResult> {
  mkdirSync(request.outDir, { recursive: true });
  const journalPath = journalPathIn(request.outDir, request.profile.name);
  let header: JournalHeader;
  let previous: PointRecord[] = [];
  let writer: JournalWriter;
  if (request.resume) {
    if (!existsSync(journalPath))
      throw new FusebenchError(`--resume: there is no journal ${journalPath} to continue; run without --resume`, 'usage');
    const journal = readJournalFile(journalPath);
    if (journal.writtenVersion < RESULTS_SCHEMA_VERSION) {
      throw new FusebenchError(
        `${journalPath} was written by an earlier Fusebench (results version ${journal.writtenVersion}), which measured points another way; ` +
          'resuming would mix two methods: start a new sweep with another --out',
        'usage',
      );
    }
    if (canonicalJson(journal.header.profile) !== canonicalJson(request.profile)) {
      throw new FusebenchError(
        `${journalPath} was started with a different version of this profile; resuming would mix two sweeps: use another --out`,
        'usage',
      );
    }
    header = journal.header;
    previous = journal.points;
    writer = JournalWriter.resume(journalPath, journal);
  } else {
    if (existsSync(journalPath)) {
      throw new FusebenchError(
        `${journalPath} already holds a journal of this sweep; pass --resume to continue it, or choose another --out`,
        'usage',
      );
    }
    header = {
      kind: 'header',
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: 'fusebench', version: TOOL.version },
      createdAt: new Date().toISOString(),
      profile: request.profile,
      environment: await nodeEnvironment(),
    };
    writer = JournalWriter.create(journalPath, header);
  }
  const profile = header.profile;
  const done = new Set(previous.map((p) => p.key));
  let fresh: PointRecord[];
  const holdAfterPoints = testHoldAfterPoints();
  const measurer = sweepMeasurer(request.torchDevice ?? 'auto');
  try {
    fresh = await runSweep({
      ...(holdAfterPoints !== undefined ? { holdAfterPoints } : {}),
      groups: expandProfile(profile, request.backend),
      settings: profile.measure,
      done,
      useBackend,
      measure: measurer.measure,
      signal,
      onProgress,
      onPoint: (p) => {
        writer.append(p);
        onPoint?.(p);
      },
    });
  } finally {
    writer.close();
    await measurer.dispose();
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
  };
  const resultsPath = join(request.outDir, `${fileStem(profile.name)}.sweep.json`);
  writeFileAtomic(resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  let reportPath: string | undefined;
  if (request.report !== false) {
    reportPath = join(request.outDir, 'report.html');
    writeFileAtomic(reportPath, renderReport(results, 'html').files[0]!.content);
  }
  return { results, resultsPath, journalPath, ...(reportPath ? { reportPath } : {}), resumedPoints: previous.length };
}
