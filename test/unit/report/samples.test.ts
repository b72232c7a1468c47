import { describe, expect, it } from 'vitest';
import { sampleDistribution } from '../../../engine/report/samples.js';

describe('sampleDistribution', () => {
  it('bins every sample once and keeps their order', () => {
    const samples = [1.2, 1.0, 1.1, 0.9, 1.05, 3.0, 1.02, 0.98];
    const d = sampleDistribution(samples)!;
    expect(d.bins.reduce((n, b) => n + b.count, 0)).toBe(samples.length);
    expect(d.order).toEqual(samples);
    expect(d.bins[0]!.low).toBe(0.9);
    expect(d.bins.at(-1)!.high).toBeCloseTo(3.0, 12);
    expect(d.bins.length).toBeGreaterThanOrEqual(5);
    expect(d.median).toBeGreaterThan(d.q1);
  });

  it('handles identical samples and none', () => {
    expect(sampleDistribution([2, 2, 2])!.bins).toEqual([{ low: 2, high: 3, count: 3 }]);
    expect(sampleDistribution([])).toBeUndefined();
  });
});
