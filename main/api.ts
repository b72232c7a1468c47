/**
 * The one API contract between the UI and its hosts (Electron main + preload, the localhost web host)
 * and the functions the CLI calls. Types for the renderer; runtime schemas that every host applies to
 * every payload on arrival (IPC or HTTP), so a bad message is refused with a clear error.
 */
import { z } from 'zod';
import { BACKENDS, jsonPath, MAX_POINTS_CEILING, type BackendInfo, type BackendName } from '../engine/common.js';
import type { Environment, PointRecord, Profile, SweepProgress, SweepResults } from '../engine/common.js';
import type { FamilyDescriptor } from '../engine/index.js';
import type { CHANNELS, RequestMethod } from './channels.js';
import type { ScanReport } from '../engine/node.js';

export type { BackendInfo, BackendName, Environment, FamilyDescriptor, PointRecord, Profile, ScanReport, SweepProgress, SweepResults };

export const FILE_KINDS = ['profile', 'results', 'report', 'image'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
export const REPORT_FORMATS = ['html', 'csv', 'md', 'json'] as const;
export type ExportFormat = (typeof REPORT_FORMATS)[number];

/** A point the plan records as invalid instead of measuring: the config field at fault (`config.groups`) and why. */
export interface InvalidPoints {
  family: string;
  field: string;
  message: string;
}

/**
 * Whether a profile can run, how big it is, and why not. `field` is a JSON path into the profile
 * (`measure.minSamples`, `families[1].axes.groups`); the UI marks the form field from it. Above
 * `pointLimit` the plan is not expanded (`invalidPoints` and `estimatedMs` are then unknown, 0) and
 * a run needs `startSweep({ maxPoints })`: the UI asks the user first.
 */
export type ProfileCheck =
  | {
      ok: true;
      profile: Profile;
      points: number;
      pointLimit: number;
      invalidPoints: number;
      invalidReasons: string[];
      invalid: InvalidPoints[];
      estimatedMs: number;
      /** What the estimate rests on, e.g. `measured: 3 earlier runs on wasm` or `nominal rates: no earlier run on webgpu here`. */
      estimateBasis?: string;
    }
  | { ok: false; field: string; message: string };

/** A file's content as opened by the user (dialog, drop, or file input). */
export interface OpenedFile {
  kind: 'profile' | 'results';
  name: string;
  /** Where it lives on the host, when the host knows (Electron dialogs, the web host's workspace). */
  path?: string;
  profile?: Profile;
  results?: SweepResults;
}

export interface RecentFile {
  kind: 'profile' | 'results';
  name: string;
  path: string;
  at: string;
}

export interface SavedFile {
  name: string;
  path: string;
}

/**
 * Progress by time rather than point count: the host's estimate of each group (calibrated from earlier
 * runs in the workspace), corrected by this run's own pace. `fraction` = elapsed ÷ (elapsed + remaining);
 * between events the UI counts the clock forward from these figures.
 */
export interface TimeProgress {
  elapsedMs: number;
  remainingMs: number;
  fraction: number;
}

export const RUN_STATUSES = ['running', 'complete', 'cancelled', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A sweep folder of the workspace (`runs/<id>/`), as the runs list shows it. */
export interface RunSummary {
  /** The folder's name, which names the run in resumeRun and openRun. */
  id: string;
  /** The profile's name. */
  name: string;
  /** `failed`: no results were written (a crash, a kill, an engine error); `cancelled`: results marked incomplete. */
  status: RunStatus;
  /** Points finished so far, and planned where known. */
  points: number;
  total?: number;
  backends: string[];
  createdAt?: string;
  finishedAt?: string;
  /** The live run's id where this host runs it: attachRun(runId) reattaches to it. */
  runId?: string;
  /** Why it failed, where the host knows. */
  message?: string;
  /** The answer at a glance: verdict cards per kind (`pays: 2, costs: 1`), from its results. */
  verdicts?: Record<string, number>;
  /** Its best counted speedup in words: `bottleneck · inference · wasm ×2.3 [2.1–2.5] at g=8`. */
  best?: string;
}

/** A live run as it stands: what a reloaded page needs to carry on showing it (progress and the points so far). */
export interface RunSnapshot {
  runId: string;
  /** The run's folder, as in RunSummary. */
  id: string;
  profile: Profile;
  backend?: BackendName;
  startedAt: string;
  progress: SweepProgress | null;
  time?: TimeProgress;
  points: PointRecord[];
}

export type SweepEvent =
  | { runId: string; type: 'progress'; progress: SweepProgress; time?: TimeProgress }
  | { runId: string; type: 'point'; point: PointRecord }
  | { runId: string; type: 'finished'; results: SweepResults; resultsPath: string; complete: boolean }
  /** `kind` and `field` as in ApiError, when the run failed on the user's input (a busy folder, a full disk). */
  | { runId: string; type: 'failed'; message: string; kind?: string; field?: string };

/**
 * A native menu action (Electron only) for the renderer, which owns the state it acts on. The preload
 * adds `onMenuCommand(listener): unsubscribe` beside WorkbenchApi; the web host has no native menu.
 */
export type MenuCommand =
  | { command: 'new-profile' }
  | { command: 'open-profile' }
  | { command: 'open-results' }
  | { command: 'save' }
  | { command: 'export-report' }
  /** A file from File ▸ Recent; the renderer opens it with `openRecent(path)`. */
  | { command: 'open-recent'; path: string };

/** A Python file of the workspace that may hold a model, with the nn.Module classes it defines (read as text: nothing runs). */
export interface ModelFile {
  /** Relative to the workspace, `/`-separated. */
  path: string;
  classes: string[];
}

/** What to scan (docs/scan.md): a model file and weights inside the workspace; its code runs in a Python process of its own. */
export interface ScanStart {
  file: string;
  className: string;
  kwargs?: Record<string, unknown>;
  inputShape: number[];
  weights?: string;
  mode: 'inference' | 'training' | 'both';
  measure: boolean;
  keepSlower?: boolean;
}

/** A scan as it stands; `folder` (in runs/) holds fused_model.py, fused.safetensors, scan.json and report.html. */
export type ScanStatus =
  | { scanId: string; state: 'running'; step: string; startedAt: string }
  | { scanId: string; state: 'done'; report: ScanReport; folder: string }
  | { scanId: string; state: 'failed'; message: string; kind?: string; field?: string }
  | { scanId: string; state: 'cancelled' };

/** Everything the UI can ask of a host. One method per action; no generic invoke. */
export interface WorkbenchApi {
  families(): Promise<FamilyDescriptor[]>;
  environment(): Promise<Environment>;
  validateProfile(profile: unknown): Promise<ProfileCheck>;
  /** `maxPoints` raises the point limit for this run (the user confirmed a large sweep). */
  startSweep(request: { profile: Profile; backend?: BackendName; maxPoints?: number }): Promise<{ runId: string; id?: string }>;
  cancelSweep(runId: string): Promise<void>;
  /** The workspace's sweep folders, newest first, with their status; live ones carry their runId. */
  listRuns(): Promise<RunSummary[]>;
  /** A live run's progress and points so far, to carry on showing it after a reload; later events follow as usual. */
  attachRun(runId: string): Promise<RunSnapshot>;
  /** Continues a cancelled or failed run's journal in its folder (finished points kept); a new runId. */
  resumeRun(id: string): Promise<{ runId: string; id?: string }>;
  /** A run's results: its results file, or for a run that wrote none, the points of its journal (incomplete). */
  openRun(id: string): Promise<OpenedFile>;
  /** Subscribes to sweep events; returns the unsubscribe function. */
  onSweepEvent(listener: (event: SweepEvent) => void): () => void;
  /** Parses and validates a file's text (drag-and-drop, file input); throws with the file named. */
  parseFile(request: { kind: 'profile' | 'results'; name: string; text: string }): Promise<OpenedFile>;
  /** A native open dialog where the host has one (Electron); null where it has none or was cancelled. */
  pickFile(kind: 'profile' | 'results'): Promise<OpenedFile | null>;
  /** Saves content (a save dialog in Electron; the workspace folder in the web host); null if cancelled. */
  /**
   * Saves a file: a save dialog where the host has one, else `<workspace>/runs/<name>`. There an existing
   * file is replaced only with `overwrite` (the error's field is `overwrite` otherwise, so the UI can ask).
   */
  saveFile(request: {
    kind: FileKind;
    name: string;
    content: string;
    encoding?: 'utf8' | 'base64';
    overwrite?: boolean;
  }): Promise<SavedFile | null>;
  recentFiles(): Promise<RecentFile[]>;
  openRecent(path: string): Promise<OpenedFile>;
  /** Renders a report of results in a format, for saving or download. */
  exportReport(request: { results: SweepResults; format: ExportFormat }): Promise<{ name: string; content: string }>;
  /** The workspace's Python files that define nn.Module classes (runs/, hidden folders and virtual environments left out). */
  listModels(): Promise<ModelFile[]>;
  /** Starts a scan (one at a time per host); follow it with scanStatus. */
  startScan(request: ScanStart): Promise<{ scanId: string }>;
  scanStatus(scanId: string): Promise<ScanStatus>;
  cancelScan(scanId: string): Promise<void>;
}

export { CHANNELS, SWEEP_EVENT_CHANNEL, type RequestMethod } from './channels.js';

/** Every request method of the contract has a channel, and every channel a method (checked when compiling). */
type ChannelsCover<T extends Record<Exclude<keyof WorkbenchApi, 'onSweepEvent'>, string>> = T;
export type CheckedChannels = ChannelsCover<typeof CHANNELS>;

const MAX_TEXT = 64 * 1024 * 1024;
const fileKind = z.enum(['profile', 'results']);
const runId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a run id');
/** A folder name in the workspace's runs/: one path segment, not starting with a dot (`..`, hidden files). */
const runFolder = z.string().regex(/^(?!\.)[A-Za-z0-9._-]{1,200}$/, 'a run folder name (letters, digits, . _ -; not starting with a dot)');

/** A file inside the workspace: a relative `/`-separated path, no `..`, no hidden segments. */
const workspacePath = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^(?![/\\])(?!.*(^|\/)\.)[^\\\0]+$/, 'a path inside the workspace (relative, no hidden or .. segments)');

/** Runtime schemas of each method's arguments (a tuple), checked by every host before it acts. */
export const ARGUMENTS = {
  families: z.tuple([]),
  environment: z.tuple([]),
  validateProfile: z.tuple([z.unknown()]),
  startSweep: z.tuple([
    z.strictObject({
      profile: z.unknown(),
      backend: z.enum(BACKENDS).optional(),
      maxPoints: z.number().int().min(1).max(MAX_POINTS_CEILING).optional(),
    }),
  ]),
  cancelSweep: z.tuple([runId]),
  listRuns: z.tuple([]),
  attachRun: z.tuple([runId]),
  resumeRun: z.tuple([runFolder]),
  openRun: z.tuple([runFolder]),
  parseFile: z.tuple([z.strictObject({ kind: fileKind, name: z.string().min(1).max(512), text: z.string().max(MAX_TEXT) })]),
  pickFile: z.tuple([fileKind]),
  saveFile: z.tuple([
    z.strictObject({
      kind: z.enum(FILE_KINDS),
      name: z
        .string()
        .min(1)
        .max(255)
        // No folders, and no leading dot: `..` would name the parent folder, `.x` a hidden (or our own) file.
        .regex(/^(?!\.)[^/\\\0]+$/, 'a file name without folders, not starting with a dot')
        .superRefine((name, ctx) => {
          const problem = fileNameProblem(name);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      content: z.string().max(MAX_TEXT),
      encoding: z.enum(['utf8', 'base64']).optional(),
      overwrite: z.boolean().optional(),
    }),
  ]),
  recentFiles: z.tuple([]),
  openRecent: z.tuple([z.string().min(1).max(4096)]),
  exportReport: z.tuple([z.strictObject({ results: z.unknown(), format: z.enum(REPORT_FORMATS) })]),
  listModels: z.tuple([]),
  startScan: z.tuple([
    z.strictObject({
      file: workspacePath,
      className: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,199}$/, 'a Python class name'),
      kwargs: z.record(z.string(), z.unknown()).optional(),
      inputShape: z.array(z.number().int().min(1).max(1_000_000)).min(1).max(8),
      weights: workspacePath.optional(),
      mode: z.enum(['inference', 'training', 'both']),
      measure: z.boolean(),
      keepSlower: z.boolean().optional(),
    }),
  ]),
  scanStatus: z.tuple([runId]),
  cancelScan: z.tuple([runId]),
} as const satisfies Record<RequestMethod, z.ZodType>;

/**
 * Why a file name would mislead or trip someone, or undefined: control characters (a newline splits it
 * in every listing), bidirectional overrides (U+202E shows `cod.exe` as `exe.doc`), blank or padded names.
 */
export function fileNameProblem(name: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not hold control characters such as a newline';
  if (/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name))
    return 'must not hold bidirectional text controls (they disguise the name)';
  if (name.trim() === '') return 'must hold more than spaces';
  if (name !== name.trim()) return 'must not begin or end with a space';
  if (name.endsWith('.')) return 'must not end with a dot';
  return undefined;
}

/** Checks a method call's arguments; throws ApiInputError naming the method and the bad field. */
export function checkArguments<M extends RequestMethod>(method: M, args: unknown): z.infer<(typeof ARGUMENTS)[M]> {
  const schema = ARGUMENTS[method] as z.ZodType;
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.join('.');
    throw new ApiInputError(`${method}: argument ${at || '(all)'}: ${issue.message}`, jsonPath(['args', ...issue.path]));
  }
  return parsed.data as z.infer<(typeof ARGUMENTS)[M]>;
}

/** A payload that does not match the contract; hosts answer it as a client error (HTTP 400). */
export class ApiInputError extends Error {
  override name = 'ApiInputError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * What went wrong, for the UI: `config`, `file`, `backend`, `usage` (the user's input, answered as a
 * normal reply), `input` (a call that breaks the contract), `forbidden` (a caller we do not serve),
 * `internal` (a bug); the web client adds `network` and `protocol`. `field` is a JSON path into the
 * input at fault, when there is one.
 */
export interface ApiError {
  message: string;
  kind: string;
  field?: string;
}

/** The JSON shape of every host reply (HTTP body; Electron returns it from invoke), built by main/service/error-reply.ts. */
export type ApiReply<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/**
 * The bridge the Electron preload exposes: the contract's methods, each resolving with the host's
 * reply rather than throwing, because Electron's contextBridge drops an Error's own properties (its
 * kind and field). The renderer unwraps replies the same way for both hosts (renderer/api/reply.ts).
 */
export type WorkbenchBridge = {
  [M in RequestMethod]: (...args: Parameters<WorkbenchApi[M]>) => Promise<ApiReply<Awaited<ReturnType<WorkbenchApi[M]>>>>;
} & Pick<WorkbenchApi, 'onSweepEvent'>;
