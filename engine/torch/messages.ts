import { z } from 'zod';

/**
 * The worker's replies, validated on arrival (a reply that does not match is a protocol error, never
 * trusted). Requests are built by worker-process.ts; docs/pytorch.md lists both.
 */
const shape = z.array(z.number().int().min(0));

export const helloReplySchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  python: z.string(),
  torch: z.string(),
  cuda: z.string().nullable(),
  cudaAvailable: z.boolean(),
  /** The device this worker computes on: `cpu` or `cuda:N`. */
  device: z.string(),
  deviceName: z.string(),
  /** Whether torch.compile exists (torch ≥ 2.0). */
  compile: z.boolean(),
  /** Family → the implementation names this worker runs. */
  implementations: z.record(z.string(), z.array(z.string())),
});
export type TorchHello = z.infer<typeof helloReplySchema>;

export const loadedReplySchema = z.object({
  type: z.literal('loaded'),
  handle: z.number().int(),
  outputShape: shape,
  /** The loaded module's parameters and buffers (its own layout): what a PyTorch user's module would hold. */
  parameters: z.record(z.string(), shape),
  buffers: z.record(z.string(), shape),
});
export type TorchLoaded = z.infer<typeof loadedReplySchema>;

export const ranReplySchema = z.object({
  type: z.literal('ran'),
  handle: z.number().int(),
  calls: z.number().int(),
  /** k calls and the completion wait (torch.cuda.synchronize on CUDA), perf_counter in Python. */
  wallMs: z.number(),
  /** CUDA events around the k calls; absent on CPU. */
  deviceMs: z.number().optional(),
  /** Minor page faults the worker took during the k calls (getrusage); absent where the OS does not count them. */
  minorFaults: z.number().int().min(0).optional(),
});
export type TorchTiming = z.infer<typeof ranReplySchema>;

export const resultReplySchema = z.object({ type: z.literal('result'), handle: z.number().int() });

export const memoryReplySchema = z.object({
  type: z.literal('memory'),
  handle: z.number().int(),
  /** torch.cuda.max_memory_allocated over one call after a reset; absent on CPU. */
  peakBytes: z.number().optional(),
  /** torch.cuda.memory_allocated before that call (weights, input, probe); absent on CPU. */
  baseBytes: z.number().optional(),
});
export type TorchMemory = z.infer<typeof memoryReplySchema>;

/** Time per op over a few calls under torch's profiler (self time per call: device on CUDA, host elsewhere). */
export const profileReplySchema = z.object({
  type: z.literal('profile'),
  handle: z.number(),
  timing: z.enum(['device', 'host']),
  calls: z.number().int(),
  byOp: z.array(z.object({ name: z.string(), count: z.number().int(), ms: z.number() })),
});
export type TorchProfile = z.infer<typeof profileReplySchema>;

export const freedReplySchema = z.object({ type: z.literal('freed'), handle: z.number().int() });
export const byeReplySchema = z.object({ type: z.literal('bye') });
export const errorReplySchema = z.object({ type: z.literal('error'), message: z.string() });
