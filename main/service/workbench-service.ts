import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeFamilies } from '../../engine/index.js';
import { ConfigError, FusebenchError } from '../../engine/core/errors.js';
import type { Environment } from '../../engine/backends/environment.js';
import { parseProfile, parseResults, validateProfileObject, validateResultsObject } from '../../engine/files/read.js';
import { readResultsFile, readText, writeFileAtomic } from '../../engine/files/node-files.js';
import { countPoints, expandProfile } from '../../engine/sweep/expand.js';
import { estimateSweepMs } from '../../engine/sweep/estimate.js';
import { fileStem, type SweepFilesRequest } from '../../engine/sweep/node-sweep.js';
import type { SweepHandle } from '../../engine/worker/node-host.js';
import type { FromWorker } from '../../engine/worker/protocol.js';
import { renderReport } from '../../engine/report/node-report.js';
import type { FileKind, OpenedFile, ProfileCheck, RecentFile, SweepEvent, WorkbenchApi } from '../api.js';
import { RecentFiles } from './recent-files.js';

/** How a host lets the user choose files: native dialogs (Electron) or its workspace folder (web). */
export interface FileAccess {
  /** An open dialog; null when the host has none or the user cancelled. */
  pick(kind: 'profile' | 'results'): Promise<{ name: string; path: string } | null>;
  /** Where to save `name`: a save dialog, or a path in the workspace; null if cancelled. */
  saveTarget(kind: FileKind, name: string): Promise<string | null>;
}

/** Starts the engine off the host's main thread (worker_thread or utilityProcess). */
export type EngineLauncher = (request: SweepFilesRequest, onMessage: (m: FromWorker) => void) => SweepHandle;

export interface ServiceOptions {
  files: FileAccess;
  launch: EngineLauncher;
  environment: () => Promise<Environment>;
  /** Where sweeps write their journals and results (`<workspace>/runs/<profile>-<run>/`). */
  workspaceDir: string;
  /** The recent-files list (JSON). */
  recentPath: string;
}

/**
 * The host side of the API contract, shared by the Electron main process and the web host: they only
 * add transport (IPC or HTTP) and argument validation around it.
 */
export function createWorkbenchService(options: ServiceOptions): WorkbenchApi & { dispose(): void } {
  const listeners = new Set<(e: SweepEvent) => void>();
  const runs = new Map<string, SweepHandle>();
  const recent = new RecentFiles(options.recentPath);
  const emit = (e: SweepEvent) => listeners.forEach((l) => l(e));

  const open = (kind: 'profile' | 'results', name: string, text: string, path?: string): OpenedFile =>
    kind === 'profile'
      ? { kind, name, ...(path ? { path } : {}), profile: parseProfile(name, text) }
      : { kind, name, ...(path ? { path } : {}), results: parseResults(name, text) };

  const service: WorkbenchApi & { dispose(): void } = {
    families: async () => describeFamilies(),
    environment: () => options.environment(),

    async validateProfile(data): Promise<ProfileCheck> {
      try {
        const profile = validateProfileObject(data);
        const groups = expandProfile(profile);
        const invalid = groups.filter((g) => g.invalid);
        return {
          ok: true,
          profile,
          points: countPoints(groups),
          invalidPoints: countPoints(invalid),
          invalidReasons: [...new Set(invalid.map((g) => `${g.family.name}: ${g.invalid}`))].slice(0, 20),
          estimatedMs: estimateSweepMs(groups, profile.measure),
        };
      } catch (e) {
        if (!(e instanceof FusebenchError)) throw e;
        const field =
          e instanceof ConfigError ? e.field : (/^(?:profile: is not a valid profile: )?([\w.[\]]+):/.exec(e.message)?.[1] ?? 'profile');
        return { ok: false, field, message: e.message };
      }
    },

    async startSweep({ profile: data, backend }) {
      const profile = validateProfileObject(data);
      expandProfile(profile, backend); // unknown families and implementations fail here, before a run starts
      const runId = randomUUID();
      const outDir = join(options.workspaceDir, 'runs', `${fileStem(profile.name)}-${runId.slice(0, 8)}`);
      const handle = options.launch({ profile, outDir, ...(backend ? { backend } : {}) }, (m) => {
        if (m.type === 'progress') emit({ runId, type: 'progress', progress: m.progress });
        else if (m.type === 'point') emit({ runId, type: 'point', point: m.point });
        else if (m.type === 'done') {
          runs.delete(runId);
          try {
            emit({ runId, type: 'finished', results: readResultsFile(m.resultsPath), resultsPath: m.resultsPath, complete: m.complete });
          } catch (e) {
            emit({ runId, type: 'failed', message: (e as Error).message });
          }
        } else {
          runs.delete(runId);
          emit({ runId, type: 'failed', message: m.message });
        }
      });
      runs.set(runId, handle);
      return { runId };
    },

    async cancelSweep(runId) {
      const run = runs.get(runId);
      if (!run) throw new FusebenchError(`no sweep ${runId} is running`, 'usage');
      run.cancel();
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
      const opened = open(kind, picked.name, readText(picked.path), picked.path);
      recent.add({ kind, name: picked.name, path: picked.path });
      return opened;
    },

    async saveFile({ kind, name, content, encoding }) {
      const target = await options.files.saveTarget(kind, name);
      if (!target) return null;
      if (kind === 'profile') validateProfileObject(JSON.parse(content), name);
      if (kind === 'results') validateResultsObject(JSON.parse(content), name);
      writeFileAtomic(target, encoding === 'base64' ? Buffer.from(content, 'base64') : content);
      if (kind === 'profile' || kind === 'results') recent.add({ kind, name: basename(target), path: target });
      return { name: basename(target), path: target };
    },

    recentFiles: async (): Promise<RecentFile[]> => recent.list(),

    async openRecent(path) {
      const entry = recent.list().find((r) => r.path === path);
      if (!entry) throw new FusebenchError(`${path} is not in the recent files list`, 'usage');
      const opened = open(entry.kind, entry.name, readText(path), path);
      recent.add(entry);
      return opened;
    },

    async exportReport({ results: data, format }) {
      const results = validateResultsObject(data);
      const file = renderReport(results, format).files[0]!;
      return { name: file.name, content: file.content };
    },

    dispose() {
      runs.forEach((r) => r.cancel());
      listeners.clear();
    },
  };
  mkdirSync(join(options.workspaceDir, 'runs'), { recursive: true });
  return service;
}
