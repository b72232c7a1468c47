import { summarize } from '../report/stats.js';
import type { MeasureSettings } from '../files/schemas.js';
import { now, yieldToEventLoop } from './clock.js';

export type StopReason = 'stable' | 'maxSamples' | 'timeBudget' | 'cancelled';

/** Samples every contender gets even past the time budget, so that a median and an IQR exist. */
export const MIN_BUDGET_SAMPLES = 3;

/** One contender in an interleaved timing run: a call that resolves once the device has finished. */
export interface Contender {
  name: string;
  call: () => Promise<void>;
}

export interface SampledTimes {
  samplesMs: number[];
  firstCallMs: number;
  warmupCalls: number;
  stopReason: StopReason;
  /** Set when a call threw; the contender left the rotation then. */
  error?: unknown;
}

/** Whether a contender's samples may stop: enough of them and a tight enough spread. */
export function isStable(samples: number[], settings: Pick<MeasureSettings, 'minSamples' | 'targetRelIqr'>): boolean {
  return samples.length >= settings.minSamples && summarize(samples).relIqr <= settings.targetRelIqr;
}

/** A monotonic clock in milliseconds; the sampler takes one so tests can run it on simulated time. */
export type Clock = () => number;

/**
 * Times contenders the way DESIGN.md §4 says: the first call apart (`firstCallMs`), warm-up by time
 * (at least 2 calls each), then samples interleaved round-robin with the order rotated every round
 * to cancel drift, each contender stopping once stable, at maxSamples, at the point's time budget (but
 * not before MIN_BUDGET_SAMPLES), or when `signal` aborts (checked before every sample).
 *
 * @example const times = await sampleInterleaved([{ name: 'serial', call }], settings, signal);
 */
export async function sampleInterleaved(
  contenders: Contender[],
  settings: MeasureSettings,
  signal?: AbortSignal,
  clock: Clock = now,
): Promise<Map<string, SampledTimes>> {
  const timed = async (call: () => Promise<void>): Promise<number> => {
    const t0 = clock();
    await call();
    return clock() - t0;
  };
  const out = new Map<string, SampledTimes>();
  const active: Contender[] = [];
  for (const c of contenders) {
    const t: SampledTimes = { samplesMs: [], firstCallMs: NaN, warmupCalls: 0, stopReason: 'stable' };
    out.set(c.name, t);
    try {
      t.firstCallMs = await timed(c.call);
      t.warmupCalls = 1;
      const warmupStart = clock();
      while (t.warmupCalls < 2 || clock() - warmupStart < settings.warmupMs) {
        await yieldToEventLoop();
        if (signal?.aborted) break;
        await c.call();
        t.warmupCalls += 1;
      }
      active.push(c);
    } catch (error) {
      t.error = error;
    }
  }
  const start = clock();
  let round = 0;
  while (active.length > 0) {
    const order = active.map((_, i) => active[(i + round) % active.length]!);
    round += 1;
    for (const c of order) {
      const t = out.get(c.name)!;
      await yieldToEventLoop();
      if (signal?.aborted) {
        for (const a of active) out.get(a.name)!.stopReason = 'cancelled';
        return out;
      }
      if (clock() - start > settings.maxMsPerPoint && t.samplesMs.length >= MIN_BUDGET_SAMPLES) {
        t.stopReason = 'timeBudget';
        active.splice(active.indexOf(c), 1);
        continue;
      }
      try {
        t.samplesMs.push(await timed(c.call));
      } catch (error) {
        t.error = error;
        active.splice(active.indexOf(c), 1);
        continue;
      }
      if (isStable(t.samplesMs, settings)) t.stopReason = 'stable';
      else if (t.samplesMs.length >= settings.maxSamples) t.stopReason = 'maxSamples';
      else continue;
      active.splice(active.indexOf(c), 1);
    }
  }
  return out;
}
