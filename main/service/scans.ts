/**
 * Scans for the UI (docs/scan.md): model files of the workspace, one scan at a time, followed by polling.
 * The model's file and weights must lie inside the workspace; the model's code runs in a Python process of
 * its own (engine/torch/scan.py), and the rewritten model, scan.json and report.html go to
 * `<workspace>/runs/scan-<Class>-<time>/`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, readdirSync, readSync, closeSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describeError, FusebenchError } from '../../engine/common.js';
import { DEFAULT_SCAN_TIME_SETTINGS, makeDirectory, runScan, ScanCrash, writeScanFiles } from '../../engine/node.js';
import type { ModelFile, ScanStart, ScanStatus } from '../api.js';
import type { Confinement } from './confinement.js';

/** How far into the workspace listModels looks, and how much. */
const MAX_DEPTH = 4;
const MAX_FILES = 200;
const MAX_MODEL_BYTES = 1024 * 1024;
const SKIP = new Set(['runs', 'node_modules', 'venv', 'site-packages', '__pycache__', 'dist']);

/** `class Net(nn.Module):` and kin, read as text: nothing of the file runs. */
export function moduleClasses(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^class\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*:/gm)) if (/Module\b/.test(m[2]!)) out.push(m[1]!);
  return out;
}

function head(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(statSync(path).size, MAX_MODEL_BYTES));
    readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function listModelFiles(workspace: string): ModelFile[] {
  const found: ModelFile[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || SKIP.has(e.name)) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path, depth + 1);
      else if (e.isFile() && e.name.endsWith('.py') && found.length < MAX_FILES) {
        const classes = moduleClasses(head(path));
        if (classes.length > 0) found.push({ path: relative(workspace, path).split(sep).join('/'), classes });
      }
    }
  };
  walk(workspace, 0);
  return found;
}

export interface ScanJobsOptions {
  workspaceDir: string;
  confinement: Confinement;
  /** The scan itself (default: engine/torch/scan.ts runScan); tests give their own. */
  run?: typeof runScan;
}

export function createScanJobs(options: ScanJobsOptions) {
  const run = options.run ?? runScan;
  const jobs = new Map<string, { status: ScanStatus; controller: AbortController }>();

  function inWorkspace(field: string, path: string): string {
    const full = resolve(options.workspaceDir, path);
    if (!options.confinement.allowsRead(full)) {
      throw new FusebenchError(`${path} is outside the workspace; put the file in ${options.workspaceDir}`, 'file', field);
    }
    if (!existsSync(full)) throw new FusebenchError(`${path} does not exist in the workspace ${options.workspaceDir}`, 'file', field);
    return full;
  }

  function remember(scanId: string, status: ScanStatus, controller: AbortController): void {
    jobs.set(scanId, { status, controller });
    // Keep the last few finished scans for a page that polls late.
    const done = [...jobs.entries()].filter(([, j]) => j.status.state !== 'running');
    for (const [id] of done.slice(0, Math.max(0, done.length - 10))) jobs.delete(id);
  }

  return {
    listModels: async (): Promise<ModelFile[]> => listModelFiles(options.workspaceDir),

    async startScan(request: ScanStart): Promise<{ scanId: string }> {
      if ([...jobs.values()].some((j) => j.status.state === 'running')) {
        throw new FusebenchError('a scan is running on this host; wait for it to finish or cancel it', 'usage');
      }
      const file = inWorkspace('file', request.file);
      const weights = request.weights ? inWorkspace('weights', request.weights) : undefined;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const folder = `scan-${request.className}-${stamp}`;
      const outDir = join(options.workspaceDir, 'runs', folder);
      makeDirectory(outDir);
      const scanId = randomUUID();
      const controller = new AbortController();
      const startedAt = new Date().toISOString();
      remember(scanId, { scanId, state: 'running', step: 'starting', startedAt }, controller);
      void run(
        {
          file,
          className: request.className,
          kwargs: request.kwargs ?? {},
          inputShape: request.inputShape,
          ...(weights ? { weights } : {}),
          modes: request.mode === 'both' ? ['inference', 'training'] : [request.mode],
          device: 'auto',
          seed: 0,
          outDir,
          measure: request.measure,
          keepSlower: request.keepSlower ?? false,
          passes: 3,
          settings: DEFAULT_SCAN_TIME_SETTINGS,
        },
        { signal: controller.signal },
        (p) => {
          const job = jobs.get(scanId);
          if (job?.status.state === 'running') job.status = { ...job.status, step: p.step };
        },
      ).then(
        (report) => {
          writeScanFiles(outDir, report);
          remember(scanId, { scanId, state: 'done', report, folder: `runs/${folder}` }, controller);
        },
        (e: unknown) => {
          if (controller.signal.aborted) return remember(scanId, { scanId, state: 'cancelled' }, controller);
          const typed = e instanceof FusebenchError;
          const message = e instanceof ScanCrash ? `scan failed (a bug of Fusebench's, please report it): ${e.message}` : describeError(e);
          remember(
            scanId,
            { scanId, state: 'failed', message, ...(typed ? { kind: e.kind } : {}), ...(typed && e.field ? { field: e.field } : {}) },
            controller,
          );
        },
      );
      return { scanId };
    },

    async scanStatus(scanId: string): Promise<ScanStatus> {
      const job = jobs.get(scanId);
      if (!job) throw new FusebenchError(`no scan ${scanId} on this host (it may have been started before the host restarted)`, 'usage');
      return job.status;
    },

    async cancelScan(scanId: string): Promise<void> {
      jobs.get(scanId)?.controller.abort();
    },

    dispose(): void {
      for (const job of jobs.values()) job.controller.abort();
    },
  };
}
