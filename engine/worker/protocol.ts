import { z } from 'zod';
import type { SweepProgress } from '../sweep/run-sweep.js';
import type { SweepFilesRequest } from '../sweep/node-sweep.js';
import { pointSchema, resultsSchema, type PointRecord, type Profile, type SweepResults } from '../files/schemas.js';
import type { PlanDetails } from '../sweep/plan-details.js';
import type { Calibration } from '../sweep/estimate.js';

/** Messages to the engine worker. */
export type ToWorker = { type: 'sweep'; request: SweepFilesRequest } | { type: 'cancel' };

/** Messages from the engine worker. */
export type FromWorker =
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'point'; point: PointRecord }
  /** The finished results travel in the message: no host reads back the file the engine just wrote. */
  | {
      type: 'done';
      results: SweepResults;
      resultsPath: string;
      journalPath: string;
      reportPath?: string;
      resumedPoints: number;
    }
  /**
   * `userError`: a FusebenchError (bad input, full disk, busy folder), with its kind and field; otherwise a
   * bug or crash. `cancelled`: the host stopped an engine that did not end within its grace after a cancel.
   */
  | { type: 'failed'; message: string; userError: boolean; kind?: string; field?: string; cancelled?: boolean };

const progressSchema = z.strictObject({
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  etaMs: z.number().optional(),
  current: z.string().optional(),
  estimate: z.strictObject({ doneMs: z.number().min(0), leftMs: z.number().min(0) }).optional(),
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
    results: resultsSchema,
    resultsPath: z.string(),
    journalPath: z.string(),
    reportPath: z.string().optional(),
    resumedPoints: z.number().int().min(0),
  }),
  z.strictObject({
    type: z.literal('failed'),
    message: z.string(),
    userError: z.boolean(),
    kind: z.string().optional(),
    field: z.string().optional(),
    cancelled: z.boolean().optional(),
  }),
]) satisfies z.ZodType<FromWorker>;

/** A request to the planner (engine/worker/plan-worker.ts). */
export interface ToPlanner {
  id: number;
  profile: Profile;
  calibration: Calibration;
}

/** The planner's answer: the plan's details, or the error describing it failed with. */
export type FromPlanner =
  { id: number; ok: true; details: PlanDetails } | { id: number; ok: false; message: string; kind?: string; field?: string };
