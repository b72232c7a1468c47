import type { MeasureSettings } from '../files/schemas.js';
import { hashString, logWidth, pairedSpeedup, roundRatios } from '../stats/paired.js';
import { now, yieldToEventLoop } from '../core/clock.js';

/**
 * Why a group stopped sampling: every interval narrow enough (`converged`), `maxSamples` rounds,
 * the point's time budget, a cancel, or no pairing left to judge because its contenders failed.
 */
export type StopReason = 'converged' | 'maxSamples' | 'timeBudget' | 'cancelled' | 'nothingToCompare';

/** Rounds every group gets even past the time budget, so that a median and an interval exist. */
export const MIN_BUDGET_SAMPLES = 3;
/** A sample (a block of k calls) lasts at least this long, so timer resolution and fixed costs fade. */
export const MIN_BLOCK_MS = 1;
const MAX_BLOCK = 100_000;
/** Resamples of the stop check each round; the reported interval uses the full BOOTSTRAP_RESAMPLES. */
const STOP_CHECK_RESAMPLES = 500;

/** A monotonic clock in milliseconds; the sampler takes one so tests can run it on simulated time. */
export type Clock = () => number;

/** What a contender may report of one block of calls, measured on its own side (a worker process). */
export interface BlockReport {
  /** The block's milliseconds; otherwise the sampler times the promise. */
  ms?: number;
  /** Minor page faults the process took during the block. */
  minorFaults?: number;
}

/** One contender of a group: `run(k)` calls the layer k times back to back and waits for the device. */
export interface Contender {
  name: string;
  run(calls: number): Promise<BlockReport | void>;
}

/** A parallel contender judged against its baseline, round by round. */
export interface Pairing {
  parallel: string;
  baseline: string;
}

export interface ContenderTimes {
  /** Milliseconds per call, one entry per round (block time / blockSize); round i of every contender aligns. */
  samplesMs: number[];
  /** Calls per sample (blocked autorange: a block lasts ≥ MIN_BLOCK_MS). */
  blockSize: number;
  warmupCalls: number;
  /** Minor page faults during the timed blocks, all together, where the contender reports them. */
  minorFaults?: number;
  /** Set when a call threw; the contender left the rotation then. */
  error?: unknown;
}

export interface GroupTimes {
  contenders: Map<string, ContenderTimes>;
  rounds: number;
  stopReason: StopReason;
}

/**
 * Times a group the way DESIGN.md §4 says. Warm-up by time (at least 2 calls each) also picks each
 * contender's block size k; then paired rounds: every round times every contender once (k calls), in
 * an order rotated each round, and no contender leaves while the others sample. After each round,
 * every pairing's ratios rᵢ = baselineᵢ / parallelᵢ get a bootstrap interval; the group stops when all
 * of them are narrower than `targetCiWidth` on the log scale (after `minSamples` rounds), at
 * `maxSamples`, at the time budget (never before MIN_BUDGET_SAMPLES rounds), or when `signal` aborts
 * (checked before every sample).
 *
 * @example const times = await sampleGroup(contenders, [{ parallel: 'parallel.tile', baseline: 'serial.concatLoop' }], settings);
 */
export async function sampleGroup(
  contenders: readonly Contender[],
  pairings: readonly Pairing[],
  settings: MeasureSettings,
  signal?: AbortSignal,
  clock: Clock = now,
): Promise<GroupTimes> {
  const timeBlock = async (c: Contender, calls: number, t?: ContenderTimes): Promise<number> => {
    const t0 = clock();
    const reported = await c.run(calls);
    const ms = reported?.ms ?? clock() - t0;
    if (t && reported?.minorFaults !== undefined) t.minorFaults = (t.minorFaults ?? 0) + reported.minorFaults;
    return ms;
  };
  const times = new Map<string, ContenderTimes>();
  const active: Contender[] = [];
  for (const c of contenders) {
    const t: ContenderTimes = { samplesMs: [], blockSize: 1, warmupCalls: 0 };
    times.set(c.name, t);
    try {
      const warmupMs: number[] = [];
      const warmupStart = clock();
      while (t.warmupCalls < 2 || clock() - warmupStart < settings.warmupMs) {
        await yieldToEventLoop();
        if (signal?.aborted) break;
        warmupMs.push(await timeBlock(c, 1));
        t.warmupCalls += 1;
      }
      // The fastest warm call: the block must last MIN_BLOCK_MS even when the machine is quiet.
      const fastest = Math.min(...warmupMs);
      t.blockSize = fastest > 0 ? Math.min(MAX_BLOCK, Math.max(1, Math.ceil(MIN_BLOCK_MS / fastest))) : MAX_BLOCK;
      active.push(c);
    } catch (error) {
      t.error = error;
    }
  }
  const start = clock();
  let rounds = 0;
  const stop = (stopReason: StopReason): GroupTimes => ({ contenders: times, rounds, stopReason });
  while (active.length > 0) {
    const order = active.map((_, i) => active[(i + rounds) % active.length]!);
    for (const c of order) {
      await yieldToEventLoop();
      if (signal?.aborted) return stop('cancelled');
      const t = times.get(c.name)!;
      try {
        t.samplesMs.push((await timeBlock(c, t.blockSize, t)) / t.blockSize);
      } catch (error) {
        t.error = error;
        active.splice(active.indexOf(c), 1);
      }
    }
    rounds += 1;
    const live = pairings.filter((p) => isActive(active, p.parallel) && isActive(active, p.baseline));
    if (live.length === 0) return stop('nothingToCompare');
    if (rounds >= settings.maxSamples) return stop('maxSamples');
    if (clock() - start > settings.maxMsPerPoint && rounds >= MIN_BUDGET_SAMPLES) return stop('timeBudget');
    if (rounds >= settings.minSamples && live.every((p) => narrowEnough(times, p, settings))) return stop('converged');
  }
  return stop('nothingToCompare');
}

function isActive(active: readonly Contender[], name: string): boolean {
  return active.some((c) => c.name === name);
}

function narrowEnough(times: Map<string, ContenderTimes>, p: Pairing, settings: MeasureSettings): boolean {
  const ratios = roundRatios(times.get(p.baseline)!.samplesMs, times.get(p.parallel)!.samplesMs);
  return logWidth(pairedSpeedup(ratios, hashString(p.parallel), STOP_CHECK_RESAMPLES)) < settings.targetCiWidth;
}
