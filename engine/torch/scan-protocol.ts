/**
 * What `fusebench scan` asks engine/torch/scan.py and what it answers (docs/scan.md). The Python side runs
 * the user's code, so its answer is checked against these schemas before anything reads it.
 */
import { z } from 'zod';

export type ScanMode = 'inference' | 'training';

/** What identifies the model: its file, class, constructor arguments, weights and input shape. */
export interface ScanModel {
  file: string;
  className: string;
  kwargs: Record<string, unknown>;
  inputShape: number[];
  weights?: string;
  modes: ScanMode[];
  device: string;
  seed: number;
}

/** Timing settings of one pass (engine/torch/scan_measure.py). */
export interface ScanTimeSettings {
  warmupMs: number;
  minSampleMs: number;
  maxMsPerTarget: number;
  minRounds: number;
  maxRounds: number;
}

export type ScanRequest =
  | (ScanModel & { command: 'scan'; outDir?: string; exclude?: string[] })
  | (ScanModel & { command: 'time'; targets: { name: string; sites: string[] }[]; settings: ScanTimeSettings });

const errors = z.object({
  output: z.number().nullable(),
  inputGrad: z.number().nullable(),
  weightGrad: z.number().nullable(),
  statistics: z.number().nullable(),
  outputWhere: z.string().optional(),
  inputGradWhere: z.string().optional(),
  weightGradWhere: z.string().optional(),
  statisticsWhere: z.string().optional(),
});

export const proofSchema = z.object({
  pass: z.boolean(),
  error: z.string().optional(),
  tolerance: z.number().optional(),
  seed: z.number().optional(),
  modes: z.array(z.object({ mode: z.enum(['inference', 'training']), pass: z.boolean(), float64: errors, float32: errors })).optional(),
});
export type ScanProof = z.infer<typeof proofSchema>;

export const siteSchema = z.object({
  path: z.string(),
  pattern: z.enum(['identical-branches', 'replicate', 'gmp']),
  branches: z.number().int().min(1),
  family: z.string().nullable(),
  implementation: z.string().nullable(),
  config: z.record(z.string(), z.unknown()).nullable(),
  fusable: z.boolean(),
  reason: z.string().optional(),
  input: z.record(z.string(), z.unknown()),
  output: z.record(z.string(), z.unknown()),
  chainedTo: z.string().optional(),
  /** The branch modules' paths (identical-branches sites). */
  members: z.array(z.string()).optional(),
  proof: proofSchema.optional(),
  module: z.string().nullable(),
});
export type ScanSite = z.infer<typeof siteSchema>;

export const scanResultSchema = z.object({
  model: z.string(),
  inputShape: z.array(z.number().int()),
  modes: z.array(z.enum(['inference', 'training'])),
  device: z.string(),
  torch: z.string(),
  sites: z.array(siteSchema),
  whole: z.object({
    sitesFused: z.array(z.string()),
    proof: proofSchema,
    relErr: z.number().nullable(),
    inputGradRelErr: z.number().nullable(),
    params: z.object({ original: z.number().int(), fused: z.number().int() }),
  }),
  /** The model's modules in order (the first 500): path ('' is the model), class name, own parameters. */
  modules: z.array(z.object({ path: z.string(), type: z.string(), params: z.number().int().min(0) })),
  files: z.record(z.string(), z.string()),
  seconds: z.number(),
});
export type ScanResult = z.infer<typeof scanResultSchema>;

const timedModeSchema = z.object({
  mode: z.enum(['inference', 'training']),
  originalMs: z.array(z.number().positive()),
  fusedMs: z.array(z.number().positive()),
  blockSize: z.number().int().min(1),
  memory: z.object({ original: z.number().nullable(), fused: z.number().nullable() }),
});
export type TimedMode = z.infer<typeof timedModeSchema>;

export const timeResultSchema = z.object({
  device: z.string(),
  targets: z.array(z.object({ name: z.string(), modes: z.array(timedModeSchema) })),
});
export type TimeResult = z.infer<typeof timeResultSchema>;

/** scan.py's one line: the result, bad input (field + message) or its own failure (internal). */
export const answerSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), field: z.string(), message: z.string() }),
  z.object({ ok: z.literal(false), internal: z.literal(true), message: z.string(), trace: z.string() }),
]);
