import type { z } from 'zod';
import { pointKey } from '../core/point-key.js';
import { FileFormatError, jsonPath } from '../core/errors.js';
import { jsonBoundsProblem, jsonTextTooDeep, MAX_JSON_DEPTH, MAX_PROFILE_BYTES, MAX_RESULTS_BYTES } from './limits.js';
import {
  journalHeaderSchema,
  pointSchema,
  profileSchema,
  PROFILE_SCHEMA_VERSION,
  resultsSchema,
  RESULTS_SCHEMA_VERSION,
  type JournalHeader,
  type PointRecord,
  type Profile,
  type SweepResults,
} from './schemas.js';
import { migrate, migratePoint, PROFILE_MIGRATIONS, RESULTS_MIGRATIONS, type Migration } from './migrate.js';

function issuePath(path: readonly PropertyKey[]): string {
  return jsonPath(path) || '(top level)';
}

/** Whether JSON text ends inside a string or an open object/array: the signature of a cut-off file. */
function endsOpen(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return inString || depth > 0;
}

/** Parses JSON text after checking what JSON.parse cannot bound itself: size and nesting. */
function parseJson(name: string, text: string, maxChars: number): unknown {
  if (text.length > maxChars) throw new FileFormatError(name, `is over the limit of ${maxChars} characters; this is not a Fusebench file`);
  if (jsonTextTooDeep(text)) throw new FileFormatError(name, `nests deeper than ${MAX_JSON_DEPTH} levels; this is not a Fusebench file`);
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text around the error: never repeat a file's content (it may be a
    // secret someone tried to read through us), only where it stops being JSON.
    const at = /position (\d+)/.exec((e as Error).message);
    const where = at ? ` at ${lineAndColumn(text, Number(at[1]))}` : '';
    throw new FileFormatError(name, `is not valid JSON${endsOpen(text) ? ' (it looks truncated)' : where}`);
  }
}

function lineAndColumn(text: string, position: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return `line ${line}, column ${position - start + 1}`;
}

/**
 * Validates one versioned document: kind check, version check (newer refused, older migrated), then
 * the schema. Throws FileFormatError naming the file and the first problem; never returns a partial.
 */
function readVersioned<T>(
  name: string,
  data: unknown,
  kind: string,
  current: number,
  schema: z.ZodType<T>,
  steps: Record<number, Migration>,
): T {
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new FileFormatError(name, `is not a Fusebench ${kind} (expected a JSON object)`);
  // Objects that arrive over IPC or HTTP were parsed elsewhere: bound them before any schema walks them.
  const bounds = jsonBoundsProblem(data);
  if (bounds) throw new FileFormatError(name, `is not a valid ${kind}: ${issuePath(bounds.path)}: ${bounds.rule}`, jsonPath(bounds.path));
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version))
    throw new FileFormatError(name, `is not a Fusebench ${kind}: it has no schemaVersion`);
  if (version > current) {
    throw new FileFormatError(
      name,
      `was written by a newer Fusebench (${kind} schemaVersion ${version}; this version reads up to ${current}); upgrade Fusebench to open it`,
    );
  }
  const migrated =
    version < current ? migrate(data as Record<string, unknown>, version, current, steps) : (data as Record<string, unknown>);
  if (!migrated) throw new FileFormatError(name, `uses ${kind} schemaVersion ${version}, which this Fusebench cannot convert`);
  const parsed = schema.safeParse(migrated);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FileFormatError(name, `is not a valid ${kind}: ${issuePath(issue.path)}: ${issue.message}`, jsonPath(issue.path));
  }
  return parsed.data;
}

/** @example parseProfile('smoke.profile.json', text) */
export function parseProfile(name: string, text: string): Profile {
  return readVersioned(
    name,
    parseJson(name, text, MAX_PROFILE_BYTES),
    'profile',
    PROFILE_SCHEMA_VERSION,
    profileSchema,
    PROFILE_MIGRATIONS,
  );
}

/** A profile given as an object (over IPC or HTTP), validated like a file. */
export function validateProfileObject(data: unknown, name = 'profile'): Profile {
  return readVersioned(name, data, 'profile', PROFILE_SCHEMA_VERSION, profileSchema, PROFILE_MIGRATIONS);
}

/** @example parseResults('run.sweep.json', text) */
export function parseResults(name: string, text: string): SweepResults {
  return readVersioned(
    name,
    parseJson(name, text, MAX_RESULTS_BYTES),
    'results file',
    RESULTS_SCHEMA_VERSION,
    resultsSchema,
    RESULTS_MIGRATIONS,
  );
}

export function validateResultsObject(data: unknown, name = 'results'): SweepResults {
  return readVersioned(name, data, 'results file', RESULTS_SCHEMA_VERSION, resultsSchema, RESULTS_MIGRATIONS);
}

export interface Journal {
  header: JournalHeader;
  /** The schemaVersion the journal was written with (its points were migrated when older). */
  writtenVersion: number;
  /** One per key: a point finished again (a busy pass measured again at the end of its sweep) replaces its earlier line. */
  points: PointRecord[];
  /** Set when the last line was cut off (a crash mid-write); that point is measured again. */
  truncatedTail: boolean;
}

/**
 * Reads a `*.sweep.ndjson` journal. Only its very last line may be incomplete (the write a crash
 * interrupted); any other bad line is an error, and nothing is returned then.
 */
export function parseJournal(name: string, text: string): Journal {
  if (text.length > MAX_RESULTS_BYTES) throw new FileFormatError(name, `is over the limit of ${MAX_RESULTS_BYTES} characters`);
  const lines = text.split('\n');
  const lastComplete = text.endsWith('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new FileFormatError(name, 'is empty: not a Fusebench journal');
  let headerData: unknown;
  try {
    if (jsonTextTooDeep(lines[0]!)) throw new SyntaxError('nested too deep');
    headerData = JSON.parse(lines[0]!);
  } catch {
    throw new FileFormatError(name, 'line 1 is not a journal header (not JSON)');
  }
  const header = readVersioned(
    `${name} line 1`,
    headerData,
    'journal header',
    RESULTS_SCHEMA_VERSION,
    journalHeaderSchema,
    RESULTS_MIGRATIONS,
  );
  const writtenVersion = (headerData as { schemaVersion: number }).schemaVersion;
  const points = new Map<string, PointRecord>();
  let truncatedTail = false;
  for (let i = 1; i < lines.length; i++) {
    const isLast = i === lines.length - 1;
    let data: unknown;
    try {
      if (jsonTextTooDeep(lines[i]!)) throw new SyntaxError('nested too deep');
      data = JSON.parse(lines[i]!);
    } catch {
      if (isLast && !lastComplete) {
        truncatedTail = true;
        break;
      }
      throw new FileFormatError(name, `line ${i + 1} is not valid JSON; the journal is damaged`);
    }
    if (writtenVersion < RESULTS_SCHEMA_VERSION && data !== null && typeof data === 'object') {
      data = migratePoint(data as Record<string, unknown>, writtenVersion, RESULTS_SCHEMA_VERSION);
    }
    const parsed = pointSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FileFormatError(name, `line ${i + 1} is not a valid point: ${issuePath(issue.path)}: ${issue.message}`);
    }
    const p = parsed.data;
    // A key that is not the point's own would make a damaged line a point of its own (an 81st of 80).
    // (Journals of earlier versions are read, never resumed: their keys are theirs.)
    if (writtenVersion === RESULTS_SCHEMA_VERSION && p.key !== pointKey(p.family, p.implementation, p.mode, p.backend, p.config)) {
      throw new FileFormatError(
        name,
        `line ${i + 1}: its key does not match its family, implementation, mode, backend and config; the journal is damaged`,
      );
    }
    points.set(p.key, p);
  }
  return { header, writtenVersion, points: [...points.values()], truncatedTail };
}
