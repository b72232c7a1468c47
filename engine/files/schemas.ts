import { z } from 'zod';
import { BACKENDS } from '../core/backend-names.js';
import { MODES } from '../core/types.js';
import { canonicalJson } from '../core/point-key.js';
import { firstDuplicate, MAX_AXIS_VALUES, MAX_KEYS, MAX_LIST_ENTRIES, MAX_NAME_CHARS, MAX_TEXT_CHARS } from './limits.js';
import { VERDICTS } from '../stats/paired.js';

/**
 * The versioned file formats (DESIGN.md §5, docs/file-formats.md). Every file read goes through
 * these schemas (engine/files/read.ts); a newer schemaVersion is refused with a clear message and
 * older ones are migrated (engine/files/migrate.ts).
 */
import { PROFILE_SCHEMA_VERSION, RESULTS_SCHEMA_VERSION } from './versions.js';

export { PROFILE_SCHEMA_VERSION, RESULTS_SCHEMA_VERSION };

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
  /** Warm-up time per implementation before sampling (at least 2 calls whatever this says); it also picks the block size. */
  warmupMs: z.number().min(0).max(600_000).default(200),
  /** Paired rounds before the stop rule may end a group. */
  minSamples: z.number().int().min(3).max(100_000).default(10),
  /** Paired rounds at most. */
  maxSamples: z.number().int().min(3).max(100_000).default(50),
  /**
   * The precision asked of every speedup: its 95% interval across passes (which holds the spread between
   * processes) narrower than this on the log scale, ln(high / low). A pass stops sampling once its own
   * interval is within √minPasses of it; passes that disagree go on until the combined interval is.
   */
  targetCiWidth: z.number().min(0).max(10).default(0.1),
  /** Time budget for one point's sampling, all its implementations together. */
  maxMsPerPoint: z.number().min(1).max(3_600_000).default(5_000),
  /** Seed of the equivalence gate's weights and inputs. */
  seed: z.number().int().min(0).default(1),
  /** Run the separate tf.profile() memory pass. */
  memory: z.boolean().default(true),
  /**
   * Passes per point group, each in a fresh engine process (DESIGN.md §4.9): at least this many. The
   * rounds and time budget above are the point's for its first minPasses passes, shared out evenly.
   */
  minPasses: z.number().int().min(1).max(20).default(2),
  /** More passes, up to this many, while a group's passes disagree beyond their within-pass intervals. */
  maxPasses: z.number().int().min(1).max(20).default(5),
});
/** The settings with their cross-field rules (a separate statement so the fields above stay one plain object). */
export const measureSettingsSchema = measureSettingsFields
  .refine((m) => m.minSamples <= m.maxSamples, {
    path: ['minSamples'],
    message: 'must not exceed maxSamples; lower minSamples or raise maxSamples',
  })
  .refine((m) => m.minPasses <= m.maxPasses, {
    path: ['minPasses'],
    message: 'must not exceed maxPasses; lower minPasses or raise maxPasses',
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
  /**
   * Backends of `backends` measured only where they can run here (e.g. torch where PyTorch is installed);
   * elsewhere the sweep goes on without them and says so. Any other backend that cannot run refuses the sweep.
   */
  optionalBackends: z.array(backendName).max(MAX_LIST_ENTRIES).optional(),
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

/** What a point's measured peak memory counts (engine/measure/allocation-meter.ts). */
export const MEMORY_SOURCES = ['wasm-heap', 'gpu-buffers', 'js-arrays', 'tfjs-tensors', 'cuda-allocator', 'tfjs-tensors-v1'] as const;

export const STOP_REASONS = ['converged', 'maxSamples', 'timeBudget', 'cancelled', 'nothingToCompare', 'stable'] as const;

const kernelSummary = z.strictObject({
  name: z.string(),
  count: z.number().int(),
  /** Bytes of the kernel's outputs, all calls together. */
  outputBytes: z.number(),
});

/** One pass of a point: its rounds in one engine process (engine/measure/passes.ts). */
export const passSchema = z.strictObject({
  /** The operating-system process that measured it: every pass of a point has its own. */
  pid: z.number().int(),
  rounds: z.number().int().min(0),
  /** Calls per sample in this pass (each pass picks its own block size during its warm-up). */
  blockSize: z.number().int().min(1),
  warmupCalls: z.number().int().min(0),
  medianMs: z.number(),
  stopReason: z.enum(STOP_REASONS),
  /** Minor page faults per timed call (the process's resource usage; Python's getrusage on torch). */
  minorFaultsPerCall: z.number().optional(),
  /** Other processes used half a core or more while this pass ran (engine/measure/machine-load.ts). */
  busy: z.boolean(),
  /** Cores' worth of CPU other processes used during this pass, where the OS tells. */
  otherCpuCores: z.number().optional(),
  /** This pass replaces a busy one, measured again at the end of the sweep. */
  retried: z.boolean().optional(),
  /** Parallel points: this pass's own paired speedup and its within-pass 95% interval. */
  speedup: z.number().optional(),
  speedupLow: z.number().optional(),
  speedupHigh: z.number().optional(),
});
export type PassRecord = z.infer<typeof passSchema>;

/** One sweep point: family × implementation × mode × backend × config. */
export const pointSchema = z.strictObject({
  /** Stable key of the point, for resume and deduplication. */
  key: z.string(),
  family: z.string(),
  implementation: z.string(),
  role: z.enum(['serial', 'parallel']),
  /** The kernels that did the work, e.g. `MaxPool (one H×W window)`. */
  primitive: z.string().optional(),
  mode,
  backend: backendName,
  config: z.record(z.string(), z.unknown()),
  status: z.enum(POINT_STATUSES),
  message: z.string().optional(),
  /** In merged results: the shard (of `shards`) that measured this point, i.e. on which machine and device. */
  shard: z.number().int().min(1).optional(),
  params: z.strictObject({ counted: z.number(), formula: z.number(), stored: z.number() }).optional(),
  flops: z.strictObject({ useful: z.number(), executed: z.number(), achievedPerSecond: z.number().optional() }).optional(),
  memory: z
    .strictObject({
      /** High-water bytes this call allocated above what existed before it: allocator-true where `source` says so. */
      peakBytes: z.number(),
      source: z.enum(MEMORY_SOURCES),
      /** TensorFlow.js's tensor accounting of the same call (unique buffers: a reshape view is not new bytes); tfjs backends only. */
      tfjsPeakBytes: z.number().optional(),
      /** From the formulas; absent where none models the implementation (PyTorch-only forms). */
      predictedPeakBytes: z.number().optional(),
      newTensors: z.number(),
      kernelCount: z.number(),
      kernels: z.array(kernelSummary),
      /** Why measured and predicted differ by more than 10%, where they do. */
      note: z.string().optional(),
    })
    .optional(),
  time: z
    .strictObject({
      /** Milliseconds per call, one entry per paired round (round i of every implementation of the group aligns). */
      samplesMs: z.array(z.number()),
      medianMs: z.number(),
      iqrMs: z.number(),
      relIqr: z.number(),
      minMs: z.number(),
      meanMs: z.number(),
      n: z.number().int(),
      /** Calls per sample: a sample times k back-to-back calls (≥ 1 ms) and records the time per call. */
      blockSize: z.number().int().min(1),
      /** A cold first call, timed in the equivalence gate (`gate`); results v1 timed it after the gate. */
      firstCallMs: z.number().optional(),
      firstCallWhere: z.enum(['gate', 'after-gate']).optional(),
      warmupCalls: z.number().int(),
      /** Median kernel time over `kernelCalls` calls (tf.time: device time on webgpu, host time elsewhere). */
      kernelMs: z.number().optional(),
      kernelCalls: z.number().int().optional(),
      kernelTiming: z.enum(['device', 'host']),
      stopReason: z.enum(STOP_REASONS),
    })
    .optional(),
  /** WebGPU only: where a call's time goes (engine/kernels/webgpu/dispatch-profile.ts); wall stays in `time`. */
  dispatch: z
    .strictObject({
      /** GPU dispatches per call (a kernel may record several programs, a reshape none). */
      kernels: z.number().int(),
      /** Host µs per dispatch: the call's JavaScript time over its dispatches (median of 5 calls). */
      hostUsPerDispatch: z.number(),
      /** Device time of one call: timestamp queries summed. */
      deviceMs: z.number(),
      /** Per kernel: calls and device time (timestamp queries) in one profiled call. */
      byKernel: z.array(z.strictObject({ name: z.string(), count: z.number().int(), deviceMs: z.number() })),
    })
    .optional(),
  /** torch: time per op of one call under torch's profiler (self time: device on CUDA, host on CPU), the heaviest first. */
  ops: z
    .strictObject({
      timing: z.enum(['device', 'host']),
      /** Calls profiled; the figures are per call. */
      calls: z.number().int(),
      byOp: z.array(z.strictObject({ name: z.string(), count: z.number().int(), ms: z.number() })),
    })
    .optional(),
  /** How busy the machine was while this point was measured (engine/measure/machine-load.ts). */
  machine: z
    .strictObject({
      loadAvg1: z.number(),
      /** Cores' worth of CPU other processes used during the point, where the OS tells (Linux). */
      otherCpuCores: z.number().optional(),
      busy: z.boolean(),
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
  /** Parallel points that passed the gate: median of per-round ratios baseline / this (DESIGN.md §4). */
  speedup: z.number().optional(),
  /** 95% bootstrap interval of that median. */
  speedupLow: z.number().optional(),
  speedupHigh: z.number().optional(),
  verdict: z.enum(VERDICTS).optional(),
  /** The serial implementation the speedup is measured against (same primitive). */
  baseline: z.string().optional(),
  /** Why a speedup's interval means less than a rerun's range (results migrated from older versions). */
  intervalNote: z.string().optional(),
  /**
   * The independent passes this point was measured in, each in its own engine process (DESIGN.md §4.9),
   * in order; `time.samplesMs` holds their rounds one pass after another.
   */
  passes: z.array(passSchema).optional(),
  /** Parallel points with two passes or more: standard deviation of ln(speedup) between passes. */
  betweenPassSd: z.number().optional(),
  /**
   * The time per call is set by the allocator's state (page faults), not by the layer's kernels: faults
   * per call differ by more than 10× between passes, or exceed one per 4 KiB of output. `allocatorNote` says which.
   */
  allocatorBound: z.boolean().optional(),
  allocatorNote: z.string().optional(),
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
  /** The machine's name (os.hostname()): which machine of a cluster measured a shard. */
  host: z.string().optional(),
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

/** One part of a plan cut for several machines (`fusebench sweep --shard i/N`, docs/scale-out.md). */
export const shardSchema = z.strictObject({
  index: z.number().int().min(1),
  count: z.number().int().min(1),
  /** sha256 of the plan every shard cuts (profile and backends): shards of one job share it. */
  planHash: z.string(),
});
export type ShardRecord = z.infer<typeof shardSchema>;

/** A shard as a merged results file keeps it: where and when it ran. */
export const mergedShardSchema = shardSchema.extend({
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  complete: z.boolean(),
  environment: environmentSchema,
});

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
  /** The part of the plan this file holds, when the sweep was cut into shards. */
  shard: shardSchema.optional(),
  /** In a merge of shards (`fusebench merge`): each shard merged, with its machine; points name theirs. */
  shards: z.array(mergedShardSchema).optional(),
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
  /** The shard of the plan this journal holds (--shard); --resume continues that shard only. */
  shard: shardSchema.optional(),
});
export type JournalHeader = z.infer<typeof journalHeaderSchema>;
