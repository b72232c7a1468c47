/**
 * A point's raw samples as the point detail draws them: a histogram of ms per call and the samples in
 * the order they were taken (a drift or a warm-up tail shows there, not in the histogram). Pure.
 */
import { summarize } from '../stats/sample-stats.js';

export interface SampleBin {
  low: number;
  high: number;
  count: number;
}

export interface SampleDistribution {
  bins: SampleBin[];
  /** The samples in round order, ms per call. */
  order: number[];
  min: number;
  max: number;
  median: number;
  q1: number;
  q3: number;
}

/**
 * Bins by the Freedman–Diaconis rule (2·IQR·n^(−1/3)), between 5 and 30 bins.
 *
 * @example sampleDistribution([1, 1.1, 0.9, 1.05]).bins.reduce((n, b) => n + b.count, 0) // 4
 */
export function sampleDistribution(samples: readonly number[]): SampleDistribution | undefined {
  const finite = samples.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  const s = summarize(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const iqr = s.q3 - s.q1;
  const width = iqr > 0 ? 2 * iqr * finite.length ** (-1 / 3) : 0;
  const span = max - min;
  const count = span <= 0 ? 1 : Math.min(30, Math.max(5, width > 0 ? Math.ceil(span / width) : 5));
  const step = span <= 0 ? 1 : span / count;
  const bins: SampleBin[] = Array.from({ length: count }, (_, i) => ({ low: min + i * step, high: min + (i + 1) * step, count: 0 }));
  for (const v of finite) {
    const i = span <= 0 ? 0 : Math.min(count - 1, Math.floor((v - min) / step));
    bins[i]!.count += 1;
  }
  return { bins, order: [...finite], min, max, median: s.medianMs, q1: s.q1, q3: s.q3 };
}
