import { z } from 'zod';
import { pointSchema, type PointRecord } from '../files/schemas.js';
import type { TorchDevice } from '../torch/worker-process.js';
import type { PassRequest } from './measure-pass.js';

/**
 * Messages to a pass process (engine/worker/pass-worker.ts), one at a time: `prepare` starts what a
 * later pass needs (its PyTorch worker) before any timing begins; `measure` runs one group's pass.
 */
export type ToPass = { type: 'prepare'; id: number; torchDevice?: TorchDevice } | { type: 'measure'; id: number; request: PassRequest };

/** Messages from a pass process. `failed`: the request could not run (a pass's group becomes error points). */
export type FromPass =
  | { type: 'prepared'; id: number }
  | { type: 'measured'; id: number; records: PointRecord[] }
  | { type: 'failed'; id: number; message: string };

/** The runtime form of FromPass: a pass process runs native and GPU code, so its messages are checked too. */
export const fromPassSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('prepared'), id: z.number().int() }),
  z.strictObject({ type: z.literal('measured'), id: z.number().int(), records: z.array(pointSchema) }),
  z.strictObject({ type: z.literal('failed'), id: z.number().int(), message: z.string() }),
]) satisfies z.ZodType<FromPass>;
