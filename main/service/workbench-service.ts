import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeFamilies } from '../../engine/index.js';
import {
  BackendUnavailableError,
  DEFAULT_MAX_POINTS,
  describeError,
  FusebenchError,
  MAX_POINTS_CEILING,
  MAX_PROFILE_BYTES,
  MAX_RESULTS_BYTES,
  type Environment,
} from '../../engine/common.js';
import {
  checkPlan,
  countPoints,
  estimateSweepMs,
  expandProfile,
  fileStem,
  parseProfile,
  parseResults,
  readResultsFile,
  readText,
  renderReport,
  validateProfileObject,
  validateResultsObject,
  writeFileAtomic,
} from '../../engine/node.js';
import type { EngineLauncher, SweepHandle } from '../engine-host/supervisor.js';
import type { FileKind, InvalidPoints, OpenedFile, ProfileCheck, RecentFile, SweepEvent, WorkbenchApi } from '../api.js';
import { Confinement } from './confinement.js';
import { RecentFiles } from './recent-files.js';

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
}

const MAX_BYTES: Record<'profile' | 'results', number> = { profile: MAX_PROFILE_BYTES, results: MAX_RESULTS_BYTES };

/**
 * The host side of the API contract, shared by the Electron main process and the web host: they only
 * add transport (IPC or HTTP), argument validation and error replies around it.
 */
export function createWorkbenchService(options: ServiceOptions): WorkbenchApi & { dispose(): void } {
  const listeners = new Set<(e: SweepEvent) => void>();
  const runs = new Map<string, SweepHandle>();
  const recent = new RecentFiles(options.recentPath);
  const confinement = new Confinement([options.workspaceDir]);
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
      ? { kind, name, ...(path ? { path } : {}), profile: parseProfile(name, text) }
      : { kind, name, ...(path ? { path } : {}), results: parseResults(name, text) };

  const refuse = (path: string) =>
    new FusebenchError(
      `${path} is outside the workspace ${options.workspaceDir}; move the file into it and open it from there`,
      'file',
      'path',
    );

  /** Refuses a sweep whose backend cannot run here, naming it and why, before anything starts. */
  async function assertBackends(names: readonly string[]): Promise<void> {
    const env = await options.environment();
    for (const name of names) {
      const info = env.backends.find((b) => b.name === name);
      if (info && !info.available) throw new BackendUnavailableError(name, info.reason ?? 'unknown reason');
    }
  }

  const service: WorkbenchApi & { dispose(): void } = {
    families: async () => describeFamilies(),
    environment: () => options.environment(),

    async validateProfile(data): Promise<ProfileCheck> {
      try {
        const profile = validateProfileObject(data);
        // Counted first: a plan over the limit is never expanded here, so a huge one cannot stall the host.
        const { points } = checkPlan(profile, { maxPoints: MAX_POINTS_CEILING });
        const sized = { ok: true as const, profile, points, pointLimit: DEFAULT_MAX_POINTS };
        if (points > DEFAULT_MAX_POINTS) return { ...sized, invalidPoints: 0, invalidReasons: [], invalid: [], estimatedMs: 0 };
        const groups = expandProfile(profile);
        const invalidGroups = groups.filter((g) => g.invalid);
        const invalid = new Map<string, InvalidPoints>();
        for (const g of invalidGroups) {
          const key = `${g.family.name}: ${g.invalid}`;
          if (!invalid.has(key)) invalid.set(key, { family: g.family.name, field: g.invalidField ?? '', message: g.invalid! });
        }
        const reasons = [...invalid.entries()].slice(0, 20);
        return {
          ...sized,
          invalidPoints: countPoints(invalidGroups),
          invalidReasons: reasons.map(([text]) => text),
          invalid: reasons.map(([, v]) => v),
          estimatedMs: estimateSweepMs(groups, profile.measure),
        };
      } catch (e) {
        if (!(e instanceof FusebenchError)) throw e;
        return { ok: false, field: e.field ?? '', message: e.message };
      }
    },

    async startSweep({ profile: data, backend, maxPoints }) {
      const profile = validateProfileObject(data);
      // Unknown names and oversize plans fail here, before a run starts; so does a backend that cannot run.
      const plan = checkPlan(profile, { ...(backend ? { backend } : {}), ...(maxPoints ? { maxPoints } : {}) });
      await assertBackends(plan.backends);
      const runId = randomUUID();
      const outDir = join(options.workspaceDir, 'runs', `${fileStem(profile.name)}-${runId.slice(0, 8)}`);
      const request = { profile, outDir, ...(backend ? { backend } : {}), ...(maxPoints ? { maxPoints } : {}) };
      const handle = options.launch(request, (m) => {
        if (m.type === 'progress') emit({ runId, type: 'progress', progress: m.progress });
        else if (m.type === 'point') emit({ runId, type: 'point', point: m.point });
        else if (m.type === 'done') {
          runs.delete(runId);
          try {
            emit({ runId, type: 'finished', results: readResultsFile(m.resultsPath), resultsPath: m.resultsPath, complete: m.complete });
          } catch (e) {
            emit({ runId, type: 'failed', message: describeError(e) });
          }
        } else {
          runs.delete(runId);
          emit({ runId, type: 'failed', message: m.message, ...(m.kind ? { kind: m.kind } : {}), ...(m.field ? { field: m.field } : {}) });
        }
      });
      runs.set(runId, handle);
      return { runId };
    },

    async cancelSweep(runId) {
      const run = runs.get(runId);
      if (!run) throw new FusebenchError(`no sweep ${runId} is running`, 'usage', 'runId');
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
      if (!options.files.dialogs && !confinement.allowsRead(picked.path)) throw refuse(picked.path);
      const opened = open(kind, picked.name, readText(picked.path, MAX_BYTES[kind]), picked.path);
      recent.add({ kind, name: picked.name, path: picked.path, ...(options.files.dialogs ? { granted: true } : {}) });
      return opened;
    },

    async saveFile({ kind, name, content, encoding }) {
      const target = await options.files.saveTarget(kind, name);
      if (!target) return null;
      if (!options.files.dialogs && !confinement.allowsWrite(target)) throw refuse(target);
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

    dispose() {
      runs.forEach((r) => r.cancel());
      listeners.clear();
    },
  };
  mkdirSync(join(options.workspaceDir, 'runs'), { recursive: true });
  return service;
}
