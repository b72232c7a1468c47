import { describe, expect, it } from 'vitest';
import { quantile, summarize } from '../../../engine/stats/sample-stats.js';

describe('quantile (type 7, linear interpolation)', () => {
  it.each([
    [[1, 2, 3, 4], 0.25, 1.75],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.75, 3.25],
    [[1, 3, 7, 15, 31], 0.1, 1.8], // h = 0.4: 1 + 0.4 · (3 − 1)
    [[1, 3, 7, 15, 31], 0.9, 24.6], // h = 3.6: 15 + 0.6 · (31 − 15)
    [[1, 3, 7, 15, 31], 0, 1],
    [[1, 3, 7, 15, 31], 1, 31],
    [[10], 0.3, 10],
  ])('quantile(%j, %d) = %d', (sorted, q, expected) => {
    expect(quantile(sorted, q)).toBeCloseTo(expected, 12);
  });

  it('refuses an empty sample and q outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1, 2], 1.5)).toThrow(/\[0, 1\]/);
    expect(() => quantile([1, 2], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives median, IQR, relIQR, min, mean, n, q1, q3 of unsorted samples', () => {
    const samples = [4, 1, 3, 2];
    expect(summarize(samples)).toEqual({ medianMs: 2.5, iqrMs: 1.5, relIqr: 0.6, minMs: 1, meanMs: 2.5, n: 4, q1: 1.75, q3: 3.25 });
    expect(samples).toEqual([4, 1, 3, 2]);
  });

  it('matches numpy on an odd sample', () => {
    // numpy.quantile([5, 1, 9, 3, 7], [.25, .5, .75]) -> [3, 5, 7]
    const s = summarize([5, 1, 9, 3, 7]);
    expect([s.q1, s.medianMs, s.q3, s.iqrMs, s.relIqr]).toEqual([3, 5, 7, 4, 0.8]);
  });

  it('keeps relIqr finite-or-Infinity, never NaN, at a zero median', () => {
    expect(summarize([0, 0, 0]).relIqr).toBe(0);
    expect(summarize([0, 0, 0, 1, 1]).relIqr).toBe(Infinity);
    expect(() => summarize([])).toThrow(RangeError);
  });
});
