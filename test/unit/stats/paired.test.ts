import { describe, expect, it } from 'vitest';
import { bootstrapMedianInterval, logWidth, pairedSpeedup, roundRatios, seededRandom, verdictOf } from '../../../engine/stats/paired.js';

/** Standard normal draws from a seeded uniform source (Box–Muller). */
function normals(random: () => number, n: number): number[] {
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

describe('paired speedup statistics', () => {
  it('the 95% bootstrap interval covers the true ratio in at least 93 of 100 seeded lognormal trials', () => {
    const random = seededRandom(20261127);
    let covered = 0;
    for (let trial = 0; trial < 100; trial++) {
      // serial ~ lognormal(ln 2, 0.2), parallel ~ lognormal(ln 1, 0.2): the true ratio of medians is 2.
      const rounds = 30;
      const serial = normals(random, rounds).map((z) => Math.exp(Math.log(2) + 0.2 * z));
      const parallel = normals(random, rounds).map((z) => Math.exp(0.2 * z));
      const e = pairedSpeedup(roundRatios(serial, parallel), trial);
      if (e.speedupLow <= 2 && 2 <= e.speedupHigh) covered += 1;
    }
    expect(covered).toBeGreaterThanOrEqual(93);
  });

  it('is reproducible: the same ratios and seed give the same interval', () => {
    const ratios = [1.1, 0.9, 1.3, 1.05, 0.97, 1.2, 1.01];
    expect(pairedSpeedup(ratios, 5)).toEqual(pairedSpeedup(ratios, 5));
  });

  it('the median of an odd count is the middle ratio; the interval holds it', () => {
    const e = pairedSpeedup([3, 1, 2], 1);
    expect(e.speedup).toBeCloseTo(2, 12);
    expect(e.speedupLow).toBeLessThanOrEqual(2);
    expect(e.speedupHigh).toBeGreaterThanOrEqual(2);
    expect(e.rounds).toBe(3);
  });

  it('judges faster, slower and within noise by whether the interval clears 1', () => {
    expect(verdictOf(1.02, 1.3)).toBe('faster');
    expect(verdictOf(0.5, 0.99)).toBe('slower');
    expect(verdictOf(0.95, 1.05)).toBe('within-noise');
    expect(verdictOf(1, 1.2)).toBe('within-noise');
    expect(
      pairedSpeedup(
        Array.from({ length: 20 }, (_, i) => 2 + 0.01 * (i % 3)),
        1,
      ).verdict,
    ).toBe('faster');
    expect(
      pairedSpeedup(
        Array.from({ length: 20 }, (_, i) => 0.5 + 0.01 * (i % 3)),
        1,
      ).verdict,
    ).toBe('slower');
    expect(
      pairedSpeedup(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1.2 : 0.8)),
        1,
      ).verdict,
    ).toBe('within-noise');
  });

  it('narrows as rounds agree: the log width of constant ratios is 0', () => {
    expect(logWidth(pairedSpeedup([1.5, 1.5, 1.5, 1.5], 3))).toBe(0);
    const noisy = pairedSpeedup([1.2, 1.8, 1.4, 1.6, 1.3, 1.7], 3);
    expect(logWidth(noisy)).toBeGreaterThan(0.1);
  });

  it('bootstrap resamples draw every rank with equal chance: the interval of a spread sample is inside its range', () => {
    const values = Array.from({ length: 41 }, (_, i) => i);
    const { low, high } = bootstrapMedianInterval(values, { seed: 9 });
    expect(low).toBeGreaterThanOrEqual(10);
    expect(high).toBeLessThanOrEqual(30);
    expect(low).toBeLessThan(20);
    expect(high).toBeGreaterThan(20);
  });
});
