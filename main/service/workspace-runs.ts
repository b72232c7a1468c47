/**
 * The sweep folders of a workspace (`<workspace>/runs/<id>/`, each with its journal and, once written,
 * its results): listed with their status, read back as results, and the calibration of time estimates
 * from the complete ones.
 */
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FusebenchError, type SweepResults } from '../../engine/common.js';
import {
  calibrateFromRuns,
  finishedPoints,
  formatSpeedup,
  lockHolder,
  readJournalFile,
  readResultsFile,
  verdictCards,
  type Calibration,
} from '../../engine/node.js';
import type { RunStatus, RunSummary } from '../api.js';

/** The newest runs a list shows and a calibration reads: enough for history, bounded for big workspaces. */
export const MAX_LISTED_RUNS = 50;
const CALIBRATION_RUNS = 20;

export interface RunFolder {
  id: string;
  dir: string;
  journal?: string;
  results?: string;
  mtimeMs: number;
}

/**
 * A run folder's journal and results: regular files only. A symbolic link in a run folder could point
 * anywhere (out of the workspace), so it is never read or appended to.
 */
function filesOf(dir: string): { journal?: string; results?: string } {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
  const journal = names.find((n) => n.endsWith('.sweep.ndjson'));
  const results = names.find((n) => n.endsWith('.sweep.json'));
  return { ...(journal ? { journal: join(dir, journal) } : {}), ...(results ? { results: join(dir, results) } : {}) };
}

/** Sweep folders of `runsDir`, newest first; symlinks and anything that is not a folder with a journal are skipped. */
export function sweepFolders(runsDir: string, limit = MAX_LISTED_RUNS): RunFolder[] {
  if (!existsSync(runsDir)) return [];
  const out: RunFolder[] = [];
  for (const id of readdirSync(runsDir)) {
    if (id.startsWith('.')) continue;
    const dir = join(runsDir, id);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory()) continue;
      const files = filesOf(dir);
      if (!files.journal && !files.results) continue;
      const mtimeMs = Math.max(...[files.journal, files.results].filter((f): f is string => !!f).map((f) => statSync(f).mtimeMs));
      out.push({ id, dir, ...files, mtimeMs });
    } catch {
      // A folder removed while listing, or unreadable: not a run to show.
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs).slice(0, limit);
}

/** The folder of run `id`, refusing anything that is not a sweep folder directly in `runsDir`. */
export function sweepFolder(runsDir: string, id: string): RunFolder {
  const dir = join(runsDir, id);
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    throw new FusebenchError(`there is no run '${id}' in ${runsDir}; choose one from the runs list`, 'usage', 'id');
  }
  if (!st.isDirectory()) throw new FusebenchError(`'${id}' is not a run folder in ${runsDir}`, 'usage', 'id');
  const files = filesOf(dir);
  if (!files.journal && !files.results) throw new FusebenchError(`'${id}' holds no journal or results: not a sweep folder`, 'usage', 'id');
  return { id, dir, ...files, mtimeMs: st.mtimeMs };
}

/** A folder's results: the results file, or the journal's points as incomplete results where none was written. */
export function readRun(folder: RunFolder): SweepResults {
  if (folder.results) return readResultsFile(folder.results);
  const journal = readJournalFile(folder.journal!);
  const h = journal.header;
  return {
    schemaVersion: h.schemaVersion,
    tool: h.tool,
    createdAt: h.createdAt,
    complete: false,
    profile: h.profile,
    environment: h.environment,
    points: journal.points,
  } as SweepResults;
}

/** Verdict cards per kind and the best counted speedup: what a runs list shows of each run. */
function answerOf(results: SweepResults): Pick<RunSummary, 'verdicts' | 'best'> {
  const cards = verdictCards(results);
  if (cards.length === 0) return {};
  const verdicts: Record<string, number> = {};
  for (const c of cards) verdicts[c.kind] = (verdicts[c.kind] ?? 0) + 1;
  const best = cards.filter((c) => c.figure?.verdict === 'faster').sort((x, y) => y.figure!.speedupLow - x.figure!.speedupLow)[0];
  return { verdicts, ...(best ? { best: `${best.family} · ${best.mode} · ${best.backend} ${formatSpeedup(best.figure!)}` } : {}) };
}

/**
 * One row of the runs list. `live` is the host's own live run in this folder (running, attachable);
 * a folder locked by another process is running there; results mark a run complete or cancelled;
 * a journal alone means the run stopped without results (a crash, a kill, an engine error).
 */
export function summarizeRun(folder: RunFolder, live?: { runId: string; points: number; total?: number }, failure?: string): RunSummary {
  let status: RunStatus;
  let results: SweepResults | undefined;
  let name = folder.id;
  let points = 0;
  let backends: string[] = [];
  let createdAt: string | undefined;
  let finishedAt: string | undefined;
  try {
    results = readRun(folder);
    name = results.profile.name;
    points = finishedPoints(results).length;
    backends = [...new Set(results.points.map((p) => p.backend))];
    if (backends.length === 0) backends = [...results.profile.backends];
    createdAt = results.createdAt;
    finishedAt = results.finishedAt;
  } catch (e) {
    return { id: folder.id, name, status: live ? 'running' : 'failed', points: 0, backends, message: (e as Error).message };
  }
  if (live) status = 'running';
  else if (lockHolder(folder.dir)) status = 'running';
  else if (folder.results) status = results.complete ? 'complete' : 'cancelled';
  else status = 'failed';
  const answer = live ? {} : answerOf(results);
  return {
    id: folder.id,
    name,
    status,
    ...answer,
    points: live ? Math.max(points, live.points) : points,
    ...(live?.total !== undefined ? { total: live.total } : {}),
    backends,
    ...(createdAt ? { createdAt } : {}),
    ...(finishedAt && status !== 'running' ? { finishedAt } : {}),
    ...(live ? { runId: live.runId } : {}),
    ...(status === 'failed'
      ? { message: failure ?? 'stopped without writing results (the engine failed or was killed); resume continues its journal' }
      : {}),
  };
}

/**
 * The calibration of time estimates from the newest finished runs of the workspace, cached until a
 * results file changes (the editor asks for an estimate after every keystroke).
 */
export class CalibrationCache {
  private signature = '';
  private value: Calibration = {};

  constructor(private readonly runsDir: string) {}

  get(): { calibration: Calibration } {
    const folders = sweepFolders(this.runsDir, CALIBRATION_RUNS * 2).filter((f) => f.results);
    const signature = folders.map((f) => `${f.id}:${f.mtimeMs}`).join('|');
    if (signature !== this.signature) {
      const runs: SweepResults[] = [];
      for (const f of folders.slice(0, CALIBRATION_RUNS)) {
        try {
          runs.push(readResultsFile(f.results!));
        } catch {
          // A damaged results file says nothing about this machine's speed.
        }
      }
      this.value = calibrateFromRuns(runs);
      this.signature = signature;
    }
    return { calibration: this.value };
  }
}
