import { z } from 'zod';
import { BACKENDS } from '../backends/backend.js';
import { MODES } from '../core/types.js';
import { canonicalJson } from '../measure/point-key.js';
import { firstDuplicate, MAX_AXIS_VALUES, MAX_KEYS, MAX_LIST_ENTRIES, MAX_NAME_CHARS, MAX_TEXT_CHARS } from './limits.js';

/**
 * The versioned file formats (DESIGN.md §5, docs/file-formats.md). Every file read goes through
 * these schemas (engine/files/read.ts); a newer schemaVersion is refused with a clear message and
 * older ones are migrated (engine/files/migrate.ts).
 */
export const PROFILE_SCHEMA_VERSION = 1;
export const RESULTS_SCHEMA_VERSION = 1;

const backendName = z.enum(BACKENDS);
const mode = z.enum(MODES as unknown as [string, ...string[]]) as z.ZodType<(typeof MODES)[number]>;
// Bounds (engine/files/limits.ts) keep any profile small enough to check at once; a repeated axis
// value would announce more points than are measured, so it is refused.
const axisValues = z
  .array(z.unknown(), { error: 'must be a list of values, e.g. [1, 2, 4]' })
  .min(1, 'must list at least one value')
  .max(MAX_AXIS_VALUES, `must list at most ${MAX_AXIS_VALUES} values`)
  .superRefine((values, ctx) => {
    const i = firstDuplicate(values, canonicalJson);
    if (i >= 0) ctx.addIssue({ code: 'custom', path: [i], message: `repeats the value ${canonicalJson(values[i])}; list each value once` });
  });
const keyName = z.string().min(1).max(MAX_NAME_CHARS);
const fewKeys = (r: Record<string, unknown>) => Object.keys(r).length <= MAX_KEYS;
const axes = z.record(keyName, axisValues).refine(fewKeys, `must have at most ${MAX_KEYS} keys`);
const fixed = z.record(keyName, z.unknown()).refine(fewKeys, `must have at most ${MAX_KEYS} keys`);
const nameList = z.array(keyName).min(1).max(MAX_LIST_ENTRIES);

/** How each point is measured (DESIGN.md §4). */
const measureSettingsFields = z.strictObject({
  /** Warm-up time per implementation before sampling (at least 2 calls whatever this says). */
  warmupMs: z.number().min(0).max(600_000).default(200),
  minSamples: z.number().int().min(3).max(100_000).default(7),
  maxSamples: z.number().int().min(3).max(100_000).default(50),
  /** Stop once relIQR = IQR / median is at most this (after minSamples). */
  targetRelIqr: z.number().min(0).max(10).default(0.05),
  /** Time budget for one point's sampling, all its implementations together. */
  maxMsPerPoint: z.number().min(1).max(3_600_000).default(5_000),
  /** Seed of the equivalence gate's weights and inputs. */
  seed: z.number().int().min(0).default(1),
  /** Run the separate tf.profile() memory pass. */
  memory: z.boolean().default(true),
});
/** The settings with their cross-field rule (a separate statement so the fields above stay one plain object). */
export const measureSettingsSchema = measureSettingsFields.refine((m) => m.minSamples <= m.maxSamples, {
  path: ['minSamples'],
  message: 'must not exceed maxSamples; lower minSamples or raise maxSamples',
});
export type MeasureSettings = z.infer<typeof measureSettingsSchema>;

export const familyEntrySchema = z.union([
  keyName,
  z.strictObject({
    family: keyName,
    /** Axes for this family only; they replace global axes of the same name. */
    axes: axes.optional(),
    fixed: fixed.optional(),
    implementations: nameList.optional(),
  }),
]);
export type FamilyEntry = z.infer<typeof familyEntrySchema>;

/** A sweep definition: `*.profile.json`. */
export const profileSchema = z.strictObject({
  schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
  name: z.string().min(1, 'must not be empty').max(MAX_NAME_CHARS, `must be at most ${MAX_NAME_CHARS} characters`),
  description: z.string().max(MAX_TEXT_CHARS).default(''),
  families: z.array(familyEntrySchema).min(1, 'must name at least one family').max(MAX_LIST_ENTRIES),
  /** Parallel implementations to measure (default all); the serial reference is always measured. */
  implementations: nameList.optional(),
  backends: z.array(backendName).min(1).max(MAX_LIST_ENTRIES).default(['wasm']),
  modes: z.array(mode).min(1).max(MAX_LIST_ENTRIES).default(['inference']),
  /** Swept config keys, e.g. {"groups": [1, 2, 4]}; each applies to the families that have the key. */
  axes: axes.default({}),
  /** Config keys held constant, applied to the families that have the key. */
  fixed: fixed.default({}),
  measure: measureSettingsSchema.default(measureSettingsSchema.parse({})),
});
export type Profile = z.infer<typeof profileSchema>;

export const POINT_STATUSES = ['ok', 'invalid', 'error', 'cancelled'] as const;
export type PointStatus = (typeof POINT_STATUSES)[number];

const kernelSummary = z.strictObject({
  name: z.string(),
  count: z.number().int(),
  /** Bytes of the kernel's outputs, all calls together. */
  outputBytes: z.number(),
});

/** One sweep point: family × implementation × mode × backend × config. */
export const pointSchema = z.strictObject({
  /** Stable key of the point, for resume and deduplication. */
  key: z.string(),
  family: z.string(),
  implementation: z.string(),
  role: z.enum(['serial', 'parallel']),
  mode,
  backend: backendName,
  config: z.record(z.string(), z.unknown()),
  status: z.enum(POINT_STATUSES),
  message: z.string().optional(),
  params: z.strictObject({ counted: z.number(), formula: z.number(), stored: z.number() }).optional(),
  flops: z.strictObject({ useful: z.number(), executed: z.number(), achievedPerSecond: z.number().optional() }).optional(),
  memory: z
    .strictObject({
      peakBytes: z.number(),
      predictedPeakBytes: z.number(),
      newBytes: z.number(),
      newTensors: z.number(),
      kernelCount: z.number(),
      kernels: z.array(kernelSummary),
    })
    .optional(),
  time: z
    .strictObject({
      samplesMs: z.array(z.number()),
      medianMs: z.number(),
      iqrMs: z.number(),
      relIqr: z.number(),
      minMs: z.number(),
      meanMs: z.number(),
      n: z.number().int(),
      firstCallMs: z.number(),
      warmupCalls: z.number().int(),
      kernelMs: z.number().optional(),
      kernelTiming: z.enum(['device', 'host']),
      stopReason: z.enum(['stable', 'maxSamples', 'timeBudget', 'cancelled']),
    })
    .optional(),
  equivalence: z
    .strictObject({
      relErr: z.number().nullable(),
      maxAbs: z.number().nullable(),
      pass: z.boolean(),
      tolerance: z.number(),
      seed: z.number(),
      knownDefect: z.string().optional(),
    })
    .optional(),
  /** Serial median / this median at the same config, mode and backend (parallel points, equivalent only). */
  speedup: z.number().optional(),
  finishedAt: z.string(),
});
export type PointRecord = z.infer<typeof pointSchema>;

const backendInfoSchema = z.strictObject({
  name: backendName,
  available: z.boolean(),
  reason: z.string().optional(),
  device: z.string().optional(),
  kernelTiming: z.enum(['device', 'host']),
});

export const environmentSchema = z.strictObject({
  tool: z.string(),
  toolVersion: z.string(),
  os: z.string(),
  cpu: z.string(),
  cores: z.number(),
  memoryBytes: z.number(),
  node: z.string(),
  electron: z.string().optional(),
  chrome: z.string().optional(),
  tfjs: z.string(),
  backends: z.array(backendInfoSchema),
});

/** Where a measurement was taken; recorded in every result file. */
export type Environment = z.infer<typeof environmentSchema>;

/** A results file: `*.sweep.json`. */
export const resultsSchema = z.strictObject({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.literal('fusebench'), version: z.string() }),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  /** false while a run is in progress or when it was cancelled. */
  complete: z.boolean(),
  profile: profileSchema,
  environment: environmentSchema,
  points: z.array(pointSchema),
});
export type SweepResults = z.infer<typeof resultsSchema>;

/** The first line of a `*.sweep.ndjson` journal; every later line is one PointRecord. */
export const journalHeaderSchema = z.strictObject({
  kind: z.literal('header'),
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.literal('fusebench'), version: z.string() }),
  createdAt: z.string(),
  profile: profileSchema,
  environment: environmentSchema,
  /** The backends the sweep runs on (the profile's, or the one --backend chose); --resume keeps them. Optional: older journals lack it. */
  backends: z.array(backendName).optional(),
  /** sha256 of the profile's canonical JSON: --resume refuses a journal of another profile. Optional: older journals lack it. */
  profileHash: z.string().optional(),
});
export type JournalHeader = z.infer<typeof journalHeaderSchema>;
