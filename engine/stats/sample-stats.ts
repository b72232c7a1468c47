/** Summary statistics of one point's raw timing samples (DESIGN.md §4): pure, shared by measurement and reports. */
export interface SampleSummary {
  medianMs: number;
  /** q3 − q1. */
  iqrMs: number;
  /** IQR / median: the stopping criterion of the sampler (`targetRelIqr`). */
  relIqr: number;
  minMs: number;
  meanMs: number;
  n: number;
  q1: number;
  q3: number;
}

/**
 * The q-quantile of an ascending array with linear interpolation between order statistics (Hyndman & Fan
 * type 7, numpy's and R's default), so figures can be checked against `numpy.quantile` by hand.
 *
 * @example quantile([1, 2, 3, 4], 0.25) // 1.75
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must lie in [0, 1], got ${q}`);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const low = sorted[lo] as number;
  const high = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return low + (h - lo) * (high - low);
}

/**
 * Median, IQR, relative IQR, min, mean and n of raw samples (any order; the input is not modified).
 * relIqr is 0 for a zero median with zero spread and Infinity for a zero median with spread, so a
 * sampler comparing it with a target keeps sampling rather than dividing by zero into NaN.
 *
 * @example summarize([4, 1, 3, 2]).medianMs // 2.5
 */
export function summarize(samples: readonly number[]): SampleSummary {
  if (samples.length === 0) throw new RangeError('cannot summarize an empty sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const medianMs = quantile(sorted, 0.5);
  const iqrMs = q3 - q1;
  const relIqr = medianMs !== 0 ? iqrMs / Math.abs(medianMs) : iqrMs === 0 ? 0 : Infinity;
  return {
    medianMs,
    iqrMs,
    relIqr,
    minMs: sorted[0] as number,
    meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    n: sorted.length,
    q1,
    q3,
  };
}
