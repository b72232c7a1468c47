/**
 * Paired-round statistics (DESIGN.md §4): in round i the baseline and a parallel form were timed
 * back to back, so rᵢ = baselineᵢ / parallelᵢ cancels what drifts between rounds. The speedup is the
 * median of rᵢ with a seeded 95% bootstrap interval; the verdict says whether the interval clears 1.
 * Pure: no Node, no TensorFlow.js.
 */

export type Verdict = 'faster' | 'slower' | 'within-noise';
export const VERDICTS: readonly Verdict[] = ['faster', 'slower', 'within-noise'];

/** Resamples of every bootstrap interval Fusebench reports. */
export const BOOTSTRAP_RESAMPLES = 2000;
export const CONFIDENCE = 0.95;

export interface SpeedupEstimate {
  /** Median of the ratios (for an even count, the geometric mean of the two middle ones). */
  speedup: number;
  speedupLow: number;
  speedupHigh: number;
  verdict: Verdict;
  /** Rounds the estimate rests on. */
  rounds: number;
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same interval on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of a string (FNV-1a), to derive a per-point bootstrap seed from its key. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Median of an ascending array; for an even count, the mean of the two middle values. */
function sortedMedian(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Percentile bootstrap interval of the median of `values`. A resample's median depends only on which
 * ranks were drawn, so each resample counts its draws per rank and walks the counts (O(n), no sort).
 *
 * @example bootstrapMedianInterval([0.1, 0.2, 0.15], { seed: 1 }) // { low: 0.1, high: 0.2 }
 */
export function bootstrapMedianInterval(
  values: readonly number[],
  options: { seed: number; resamples?: number; confidence?: number },
): { low: number; high: number } {
  const n = values.length;
  if (n === 0) throw new RangeError('bootstrap of an empty sample');
  const sorted = Float64Array.from(values).sort();
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const alpha = 1 - (options.confidence ?? CONFIDENCE);
  const random = seededRandom(options.seed);
  const counts = new Int32Array(n);
  const medians = new Float64Array(resamples);
  // Ranks of the middle element(s) of a resample of size n, 0-based.
  const lowRank = (n - 1) >> 1;
  const highRank = n >> 1;
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(random() * n)]! += 1;
    let seen = 0;
    let low = NaN;
    let high = NaN;
    for (let r = 0; r < n; r++) {
      seen += counts[r]!;
      if (Number.isNaN(low) && seen > lowRank) low = sorted[r]!;
      if (seen > highRank) {
        high = sorted[r]!;
        break;
      }
    }
    medians[b] = (low + high) / 2;
  }
  medians.sort();
  const at = (q: number) => medians[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return { low: at(alpha / 2), high: at(1 - alpha / 2) };
}

/** faster when the whole interval lies above 1, slower when it lies below, else within noise. */
export function verdictOf(low: number, high: number): Verdict {
  if (low > 1) return 'faster';
  if (high < 1) return 'slower';
  return 'within-noise';
}

/**
 * Speedup of a parallel form from per-round ratios rᵢ = baselineᵢ / parallelᵢ: the median and its
 * bootstrap interval, computed on ln rᵢ (so the interval is symmetric in "×2 faster" and "×2 slower").
 *
 * @example pairedSpeedup([1.9, 2.1, 2.0, 2.05], 7).verdict // 'faster'
 */
export function pairedSpeedup(ratios: readonly number[], seed: number, resamples = BOOTSTRAP_RESAMPLES): SpeedupEstimate {
  const logs = ratios.map(Math.log);
  const median = sortedMedian(Float64Array.from(logs).sort());
  const { low, high } = bootstrapMedianInterval(logs, { seed, resamples });
  const speedupLow = Math.exp(low);
  const speedupHigh = Math.exp(high);
  return { speedup: Math.exp(median), speedupLow, speedupHigh, verdict: verdictOf(speedupLow, speedupHigh), rounds: ratios.length };
}

/** Width of an interval on the log scale: ln(high / low), the quantity `targetCiWidth` bounds. */
export function logWidth(e: Pick<SpeedupEstimate, 'speedupLow' | 'speedupHigh'>): number {
  return Math.log(e.speedupHigh / e.speedupLow);
}

/** Per-round ratios of two aligned sample lists (round i of each), as far as both go. */
export function roundRatios(baselineMs: readonly number[], parallelMs: readonly number[]): number[] {
  const n = Math.min(baselineMs.length, parallelMs.length);
  return Array.from({ length: n }, (_, i) => baselineMs[i]! / parallelMs[i]!);
}
