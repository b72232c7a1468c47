import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeFamilies } from '../../engine/index.js';
import {
  BackendUnavailableError,
  DEFAULT_MAX_POINTS,
  FusebenchError,
  MAX_POINTS_CEILING,
  MAX_PROFILE_BYTES,
  MAX_RESULTS_BYTES,
  type Environment,
  type SweepFilesRequest,
} from '../../engine/common.js';
import {
  checkPlan,
  planSweep,
  readJournalFile,
  fileStem,
  parseProfile,
  parseResults,
  readText,
  renderReport,
  validateProfileObject,
  validateResultsObject,
  withoutUnavailable,
  writeFileAtomic,
} from '../../engine/node.js';
import type { EngineLauncher } from '../engine-host/supervisor.js';
import { workerPlanner, type Planner } from '../engine-host/planner.js';
import type { BackendName, FileKind, OpenedFile, Profile, ProfileCheck, RecentFile, SweepEvent, WorkbenchApi } from '../api.js';
import type { Calibration } from '../../engine/node.js';
import { LiveRun } from './live-runs.js';
import { CalibrationCache, readRun, summarizeRun, sweepFolder, sweepFolders } from './workspace-runs.js';
import { Confinement } from './confinement.js';
import { RecentFiles } from './recent-files.js';
import { createScanJobs, type ScanJobsOptions } from './scans.js';

export type { EngineLauncher };

/** How a host lets the user choose files: native dialogs (Electron) or its workspace folder (web). */
export interface FileAccess {
  /**
   * True where pick and saveTarget are native dialogs: the user chose the path, so it may lie outside
   * the workspace. Otherwise every path must resolve inside the workspace.
   */
  dialogs: boolean;
  /** An open dialog; null when the host has none or the user cancelled. */
  pick(kind: 'profile' | 'results'): Promise<{ name: string; path: string } | null>;
  /** Where to save `name`: a save dialog, or a path in the workspace; null if cancelled. */
  saveTarget(kind: FileKind, name: string): Promise<string | null>;
}

export interface ServiceOptions {
  files: FileAccess;
  launch: EngineLauncher;
  environment: () => Promise<Environment>;
  /** Where sweeps write their journals and results (`<workspace>/runs/<profile>-<run>/`); files stay inside it. */
  workspaceDir: string;
  /** The recent-files list (JSON), somewhere no API call can write. */
  recentPath: string;
  /** Describes plans off the main thread (default: a worker thread running dist/node/engine-plan.mjs). */
  planner?: Planner;
  /** Runs a scan (default: engine/torch/scan.ts); tests give their own. */
  runScan?: ScanJobsOptions['run'];
}

const MAX_BYTES: Record<'profile' | 'results', number> = { profile: MAX_PROFILE_BYTES, results: MAX_RESULTS_BYTES };

/** Strict base64 (Node's decoder skips what it does not know, so 'hello!!' would save as 3 bytes). */
function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/**
 * A profile file as the CLI reads it: the schema, then the plan's names (families, keys, implementations;
 * a misspelled key is refused with the nearest valid one, never dropped for its default), so the editor never
 * opens a file `fusebench sweep` would refuse.
 */
function checkedProfile(name: string, text: string): Profile {
  const profile = parseProfile(name, text);
  try {
    checkPlan(profile, { maxPoints: MAX_POINTS_CEILING });
  } catch (e) {
    if (e instanceof FusebenchError) throw new FusebenchError(`${name}: ${e.message}`, e.kind, e.field);
    throw e;
  }
  return profile;
}

/**
 * The host side of the API contract, shared by the Electron main process and the web host: they only
 * add transport (IPC or HTTP), argument validation and error replies around it.
 */
export function createWorkbenchService(options: ServiceOptions): WorkbenchApi & { dispose(): void } {
  const listeners = new Set<(e: SweepEvent) => void>();
  /** Live runs by runId: what a reloaded page reattaches to. */
  const runs = new Map<string, LiveRun>();
  /** Why runs of this host failed, by folder, for the runs list (a journal alone cannot say). */
  const failures = new Map<string, string>();
  const runsDir = join(options.workspaceDir, 'runs');
  const planner = options.planner ?? workerPlanner();
  const calibration = new CalibrationCache(runsDir);
  /**
   * What a run costs this host beyond what its files show (the engine's start, the backend probe, the
   * environment before the journal's createdAt): seen per finished run, added to later estimates.
   */
  const launchOverheads: number[] = [];
  const launchOverhead = () => {
    const s = [...launchOverheads].sort((a, b) => a - b);
    return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
  };
  const recent = new RecentFiles(options.recentPath);
  const confinement = new Confinement([options.workspaceDir]);
  const scans = createScanJobs({ workspaceDir: options.workspaceDir, confinement, ...(options.runScan ? { run: options.runScan } : {}) });
  const emit = (e: SweepEvent) =>
    listeners.forEach((l) => {
      try {
        l(e);
      } catch {
        // One broken listener (a closed socket) must not keep the event from the others.
      }
    });

  const open = (kind: 'profile' | 'results', name: string, text: string, path?: string): OpenedFile =>
    kind === 'profile'
      ? { kind, name, ...(path ? { path } : {}), profile: checkedProfile(name, text) }
      : { kind, name, ...(path ? { path } : {}), results: parseResults(name, text) };

  const refuse = (path: string) =>
    new FusebenchError(
      `${path} is outside the workspace ${options.workspaceDir}; move the file into it and open it from there`,
      'file',
      'path',
    );

  /** The profile without its optional backends that cannot run here (the environment says which). */
  async function runnableHere(profile: Profile): Promise<Profile> {
    if (!profile.optionalBackends?.length) return profile;
    const env = await options.environment();
    return withoutUnavailable(profile, (name) => {
      const info = env.backends.find((b) => b.name === name);
      return info && !info.available ? (info.reason ?? 'unknown reason') : undefined;
    }).profile;
  }

  /** Refuses a sweep whose backend cannot run here, naming it and why, before anything starts. */
  async function assertBackends(names: readonly string[]): Promise<void> {
    const env = await options.environment();
    for (const name of names) {
      const info = env.backends.find((b) => b.name === name);
      if (info && !info.available) throw new BackendUnavailableError(name, info.reason ?? 'unknown reason');
    }
  }

  /** `measured: 2 earlier runs on wasm` / `nominal rates: no earlier run on webgpu here`. */
  function estimateBasis(c: Calibration, backends: readonly BackendName[]): string {
    const known = backends.filter((b) => c[b]);
    const unknown = backends.filter((b) => !c[b]);
    const parts = [
      ...known.map((b) => `measured: ${c[b]!.runs} earlier run${c[b]!.runs === 1 ? '' : 's'} on ${b}`),
      ...(unknown.length > 0 ? [`nominal rates: no earlier run on ${unknown.join(', ')} here`] : []),
    ];
    return parts.join('; ');
  }

  /**
   * Starts the engine on `request` as run `runId` in folder `id`: the run joins the registry, every
   * message updates it before it goes out as an event, and it leaves the registry when it ends.
   */
  function launchRun(runId: string, id: string, request: SweepFilesRequest, previous: ReadonlySet<string>): void {
    const live = new LiveRun(runId, id, request.profile, request.backend);
    runs.set(runId, live);
    failures.delete(id);
    live.handle = options.launch({ ...request, calibration: calibration.get().calibration }, (m) => {
      if (m.type === 'progress') {
        live.progress = m.progress;
        emit({ runId, type: 'progress', progress: m.progress, time: live.time() });
      } else if (m.type === 'point') {
        live.addPoint(m.point);
        emit({ runId, type: 'point', point: m.point });
      } else if (m.type === 'done') {
        runs.delete(runId);
        const { results } = m;
        const inFiles = Date.parse(results.finishedAt ?? '') - Date.parse(results.createdAt);
        // A resumed run's files span both sessions: only fresh runs say what a launch costs.
        if (Number.isFinite(inFiles) && previous.size === 0) {
          launchOverheads.push(Math.max(0, Date.now() - live.startedAt - inFiles));
          if (launchOverheads.length > 9) launchOverheads.shift();
        }
        emit({ runId, type: 'finished', results, resultsPath: m.resultsPath, complete: results.complete });
      } else {
        runs.delete(runId);
        failures.set(id, m.message);
        emit({ runId, type: 'failed', message: m.message, ...(m.kind ? { kind: m.kind } : {}), ...(m.field ? { field: m.field } : {}) });
      }
    });
  }

  /** A folder's live run of this host, if any. */
  const liveIn = (id: string) => [...runs.values()].find((r) => r.id === id);

  const service: WorkbenchApi & { dispose(): void } = {
    families: async () => describeFamilies(),
    environment: () => options.environment(),

    async validateProfile(data): Promise<ProfileCheck> {
      try {
        const profile = await runnableHere(validateProfileObject(data));
        // Counted first: a plan over the limit is never expanded here, so a huge one cannot stall the host.
        const { points } = checkPlan(profile, { maxPoints: MAX_POINTS_CEILING });
        const sized = { ok: true as const, profile, points, pointLimit: DEFAULT_MAX_POINTS };
        if (points > DEFAULT_MAX_POINTS) return { ...sized, invalidPoints: 0, invalidReasons: [], invalid: [], estimatedMs: 0 };
        // Building the plan (every config checked, every group estimated) runs on the planner's thread.
        const c = calibration.get().calibration;
        const details = await planner.details(profile, c);
        return {
          ...sized,
          invalidPoints: details.invalidPoints,
          invalidReasons: details.invalid.map((i) => `${i.family}: ${i.message}`),
          invalid: details.invalid,
          estimatedMs: details.estimatedMs + launchOverhead(),
          estimateBasis: estimateBasis(c, details.backends),
        };
      } catch (e) {
        if (!(e instanceof FusebenchError)) throw e;
        return { ok: false, field: e.field ?? '', message: e.message };
      }
    },

    async startSweep({ profile: data, backend, maxPoints }) {
      const profile = backend ? validateProfileObject(data) : await runnableHere(validateProfileObject(data));
      // The run's one plan: unknown names and oversize plans fail here, before a run starts; so does a
      // backend that cannot run. The engine builds the groups from it without checking again.
      const plan = planSweep(profile, { ...(backend ? { backend } : {}), ...(maxPoints ? { maxPoints } : {}) });
      await assertBackends(plan.backends);
      const runId = randomUUID();
      const id = `${fileStem(profile.name)}-${runId.slice(0, 8)}`;
      const outDir = join(runsDir, id);
      launchRun(runId, id, { profile, outDir, plan, ...(backend ? { backend } : {}), ...(maxPoints ? { maxPoints } : {}) }, new Set());
      return { runId, id };
    },

    async cancelSweep(runId) {
      const run = runs.get(runId);
      if (!run) throw new FusebenchError(`no sweep ${runId} is running`, 'usage', 'runId');
      run.handle?.cancel();
    },

    async listRuns() {
      return sweepFolders(runsDir).map((folder) => {
        const live = liveIn(folder.id);
        const total = live?.progress?.total;
        return summarizeRun(
          folder,
          live ? { runId: live.runId, points: live.points.length, ...(total !== undefined ? { total } : {}) } : undefined,
          failures.get(folder.id),
        );
      });
    },

    async attachRun(runId) {
      const run = runs.get(runId);
      if (!run)
        throw new FusebenchError(`no sweep ${runId} is running here (it may have finished: open it from the runs list)`, 'usage', 'runId');
      return run.snapshot();
    },

    async resumeRun(id) {
      const folder = sweepFolder(runsDir, id);
      if (!confinement.allowsWrite(join(folder.dir, 'x'))) throw refuse(folder.dir);
      if (liveIn(id)) throw new FusebenchError(`run '${id}' is still running; cancel it before resuming`, 'usage', 'id');
      if (!folder.journal) throw new FusebenchError(`run '${id}' has no journal to continue`, 'usage', 'id');
      if (folder.results && readRun(folder).complete)
        throw new FusebenchError(`run '${id}' is complete: there is nothing to resume; open it, or run its profile again`, 'usage', 'id');
      // The journal, not a results file from before: it holds every point finished so far.
      const journal = readJournalFile(folder.journal);
      const profile: Profile = journal.header.profile;
      // The one plan of the run, by the one resume rule: a journal keeps the backends it started on.
      const plan = planSweep(profile, { resumedOn: journal.header.backends ?? profile.backends, journal: folder.journal });
      await assertBackends(plan.backends);
      const runId = randomUUID();
      const done = new Set(journal.points.filter((p) => p.status !== 'error' && p.status !== 'cancelled').map((p) => p.key));
      launchRun(runId, id, { profile, outDir: folder.dir, resume: true, plan }, done);
      return { runId, id };
    },

    async openRun(id) {
      const folder = sweepFolder(runsDir, id);
      if (!confinement.allowsRead(folder.dir)) throw refuse(folder.dir);
      const results = readRun(folder);
      return { kind: 'results', name: id, path: folder.results ?? folder.journal!, results };
    },

    onSweepEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async parseFile({ kind, name, text }) {
      return open(kind, name, text);
    },

    async pickFile(kind) {
      const picked = await options.files.pick(kind);
      if (!picked) return null;
      if (!options.files.dialogs && !confinement.allowsRead(picked.path)) throw refuse(picked.path);
      const opened = open(kind, picked.name, readText(picked.path, MAX_BYTES[kind]), picked.path);
      recent.add({ kind, name: picked.name, path: picked.path, ...(options.files.dialogs ? { granted: true } : {}) });
      return opened;
    },

    async saveFile({ kind, name, content, encoding, overwrite }) {
      const target = await options.files.saveTarget(kind, name);
      if (!target) return null;
      if (!options.files.dialogs && !confinement.allowsWrite(target)) throw refuse(target);
      // A save dialog asks before replacing a file; the workspace asks through the UI (`overwrite`).
      if (!options.files.dialogs && !overwrite && existsSync(target)) {
        throw new FusebenchError(`${name} already exists in the workspace; replace it, or save under another name`, 'file', 'overwrite');
      }
      if (encoding === 'base64' && !isBase64(content)) {
        throw new FusebenchError(`${name}: the content is not valid base64; nothing was saved`, 'file', 'content');
      }
      if (kind === 'profile' || kind === 'results') {
        let data: unknown;
        try {
          data = JSON.parse(content);
        } catch {
          throw new FusebenchError(`${name}: is not valid JSON; nothing was saved`, 'file', 'content');
        }
        if (kind === 'profile') validateProfileObject(data, name);
        else validateResultsObject(data, name);
      }
      writeFileAtomic(target, encoding === 'base64' ? Buffer.from(content, 'base64') : content);
      if (kind === 'profile' || kind === 'results')
        recent.add({ kind, name: basename(target), path: target, ...(options.files.dialogs ? { granted: true } : {}) });
      return { name: basename(target), path: target };
    },

    recentFiles: async (): Promise<RecentFile[]> => recent.list(),

    async openRecent(path) {
      // Only what Fusebench recorded, and only where it may read: the workspace, or a file the user picked in a dialog.
      const entry = recent.entries().find((r) => r.path === path);
      if (!entry) throw new FusebenchError(`${path} is not in the recent files list; open it with Open instead`, 'usage', 'path');
      if (!(entry.granted && options.files.dialogs) && !confinement.allowsRead(path)) throw refuse(path);
      const opened = open(entry.kind, entry.name, readText(path, MAX_BYTES[entry.kind]), path);
      recent.add({ kind: entry.kind, name: entry.name, path: entry.path, ...(entry.granted ? { granted: true } : {}) });
      return opened;
    },

    async exportReport({ results: data, format }) {
      const results = validateResultsObject(data);
      const file = renderReport(results, format).files[0]!;
      return { name: file.name, content: file.content };
    },

    listModels: () => scans.listModels(),
    startScan: (request) => scans.startScan(request),
    scanStatus: (scanId) => scans.scanStatus(scanId),
    cancelScan: (scanId) => scans.cancelScan(scanId),

    dispose() {
      planner.dispose();
      scans.dispose();
      runs.forEach((r) => r.handle?.cancel());
      listeners.clear();
    },
  };
  mkdirSync(join(options.workspaceDir, 'runs'), { recursive: true });
  return service;
}
