import { z } from 'zod';
import type { SweepProgress } from '../sweep/run-sweep.js';
import type { SweepFilesRequest } from '../sweep/node-sweep.js';
import { pointSchema, type PointRecord } from '../files/schemas.js';

/** Messages to the engine worker. */
export type ToWorker = { type: 'sweep'; request: SweepFilesRequest } | { type: 'cancel' };

/** Messages from the engine worker. */
export type FromWorker =
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'point'; point: PointRecord }
  | {
      type: 'done';
      resultsPath: string;
      journalPath: string;
      reportPath?: string;
      complete: boolean;
      points: number;
      resumedPoints: number;
    }
  /** `userError`: a FusebenchError (bad input, full disk, busy folder), with its kind and field; otherwise a bug or crash. */
  | { type: 'failed'; message: string; userError: boolean; kind?: string; field?: string };

const progressSchema = z.strictObject({
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  etaMs: z.number().optional(),
  current: z.string().optional(),
});

/**
 * The runtime form of FromWorker. Hosts check every message from an engine process against it: the
 * engine runs native and GPU code that can misbehave, and a malformed message is a failed run, not a
 * crash of the host.
 */
export const fromWorkerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('progress'), progress: progressSchema }),
  z.strictObject({ type: z.literal('point'), point: pointSchema }),
  z.strictObject({
    type: z.literal('done'),
    resultsPath: z.string(),
    journalPath: z.string(),
    reportPath: z.string().optional(),
    complete: z.boolean(),
    points: z.number().int().min(0),
    resumedPoints: z.number().int().min(0),
  }),
  z.strictObject({
    type: z.literal('failed'),
    message: z.string(),
    userError: z.boolean(),
    kind: z.string().optional(),
    field: z.string().optional(),
  }),
]) satisfies z.ZodType<FromWorker>;
