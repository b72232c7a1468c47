import { describe, expect, it } from 'vitest';
import { compareResults, describeCompared, speedupRatio } from '../../../engine/report/compare.js';
import type { SweepResults } from '../../../engine/files/schemas.js';
import { verdictOf } from '../../../engine/stats/paired.js';
import { IM2COL, fixture } from './fixture.js';
import { comparableViews, compareSpeedupChart } from '../../../engine/report/compare-chart.js';

/** The fixture with every im2col speedup (and interval) scaled by `factor`, on another backend if asked. */
function scaled(factor: number, backend?: 'webgpu'): SweepResults {
  return {
    ...fixture,
    points: fixture.points.map((p) => {
      const q = backend ? { ...p, backend } : { ...p };
      if (p.implementation !== IM2COL || p.speedup === undefined) return q;
      const lo = p.speedupLow! * factor;
      const hi = p.speedupHigh! * factor;
      return { ...q, speedup: p.speedup * factor, speedupLow: lo, speedupHigh: hi, verdict: verdictOf(lo, hi) };
    }),
  };
}

describe('compareResults', () => {
  it('a run against itself: every ratio 1, every point unchanged', () => {
    const c = compareResults(fixture, fixture);
    expect(c.points.length).toBeGreaterThan(0);
    expect(c.changed).toBe(0);
    for (const p of c.points) {
      expect(p.ratio).toBeCloseTo(1, 12);
      expect(p.ratioLow).toBeLessThan(1);
      expect(p.ratioHigh).toBeGreaterThan(1);
      expect(p.verdictChanged).toBe(false);
    }
  });

  it('a speedup twice as high is changed (higher), with the ratio and an interval around it', () => {
    const c = compareResults(fixture, scaled(2));
    const im2col = c.points.filter((p) => p.implementation === IM2COL);
    expect(im2col.length).toBeGreaterThan(0);
    for (const p of im2col) {
      expect(p.ratio).toBeCloseTo(2, 9);
      expect(p.change).toBe('changed');
      expect(p.direction).toBe('higher');
      expect(p.ratioLow).toBeLessThan(2);
      expect(p.ratioHigh).toBeGreaterThan(2);
    }
    expect(describeCompared(im2col[0]!)).toMatch(/ratio ×2 \[.*\] changed \(higher\)$/);
    expect(c.points.filter((p) => p.implementation !== IM2COL).every((p) => p.change === 'unchanged')).toBe(true);
  });

  it('says changed only where the two intervals do not overlap (each holds the spread between processes)', () => {
    for (const factor of [1.05, 1.2, 1.5, 0.7]) {
      const b = scaled(factor);
      const c = compareResults(fixture, b);
      for (const p of c.points.filter((q) => q.implementation === IM2COL)) {
        const apart = p.b.speedupLow > p.a.speedupHigh || p.b.speedupHigh < p.a.speedupLow;
        expect(p.change, `×${factor} at ${JSON.stringify(p.config)}`).toBe(apart ? 'changed' : 'unchanged');
      }
    }
    // Overlapping intervals whose ratio's own interval would exclude 1: not a change.
    const a = {
      ...fixture,
      points: fixture.points.map((p) =>
        p.speedup === undefined ? p : { ...p, speedup: 2, speedupLow: 1.8, speedupHigh: 2.2, verdict: 'faster' as const },
      ),
    };
    const b2 = {
      ...a,
      points: a.points.map((p) => (p.speedup === undefined ? p : { ...p, speedup: 2.3, speedupLow: 2.1, speedupHigh: 2.5 })),
    };
    const c = compareResults(a, b2);
    expect(c.points.length).toBeGreaterThan(0);
    for (const p of c.points) {
      expect(p.ratioLow).toBeGreaterThan(1);
      expect(p.change).toBe('unchanged');
    }
  });

  it('compares two backends of one run, and counts points only one side has', () => {
    const both: SweepResults = { ...fixture, points: [...fixture.points, ...scaled(0.5, 'webgpu').points] };
    const c = compareResults(both, both, { backendA: 'wasm', backendB: 'webgpu' });
    const im2col = c.points.filter((p) => p.implementation === IM2COL);
    expect(im2col.every((p) => p.a.backend === 'wasm' && p.b.backend === 'webgpu' && p.direction === 'lower')).toBe(true);
    const half = { ...fixture, points: fixture.points.filter((p) => p.config.groups !== 4) };
    expect(compareResults(fixture, half).onlyA).toBeGreaterThan(0);
  });

  it('combines the two intervals on the log scale', () => {
    const r = speedupRatio(
      { speedup: 2, speedupLow: 2 / 1.1, speedupHigh: 2 * 1.1 },
      { speedup: 2, speedupLow: 2 / 1.1, speedupHigh: 2 * 1.1 },
    );
    expect(r.ratio).toBeCloseTo(1, 12);
    expect(Math.log(r.ratioHigh)).toBeCloseTo(Math.SQRT2 * Math.log(1.1), 12);
    expect(Math.log(r.ratioLow)).toBeCloseTo(-Math.SQRT2 * Math.log(1.1), 12);
  });
});

describe('compareSpeedupChart', () => {
  it('overlays A’s and B’s speedup curves (B dashed), with the figures of each side’s own chart', () => {
    const chart = compareSpeedupChart({ results: fixture }, { results: scaled(2) })!;
    expect(comparableViews({ results: fixture }, { results: scaled(2) })).toEqual([
      { family: 'bottleneck', mode: 'inference' },
      { family: 'gmp', mode: 'inference' },
    ]);
    const a = chart.series.find((s) => s.name === `A · ${IM2COL}`)!;
    const b = chart.series.find((s) => s.name === `B · ${IM2COL}`)!;
    expect(a.points.length).toBeGreaterThan(0);
    b.points.forEach((p, i) => expect(p.y).toBeCloseTo(2 * a.points[i]!.y, 9));
    const lines = chart.option.series as { id: string; name: string; lineStyle?: { type: string }; stack?: string }[];
    expect(lines.find((l) => l.id === `B · ${IM2COL}`)!.lineStyle!.type).toBe('dashed');
    expect(lines.find((l) => l.id === `A · ${IM2COL}`)!.lineStyle!.type).toBe('solid');
    // One y = 1 line, ids unique (ECharts merges by id).
    expect(lines.filter((l) => l.name === 'serial = 1')).toHaveLength(1);
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    // Another family on request; none where the two share nothing.
    expect(
      compareSpeedupChart({ results: fixture }, { results: scaled(2) }, { family: 'gmp', mode: 'inference' })!.option.title,
    ).toMatchObject({
      subtext: expect.stringMatching(/^gmp · inference/),
    });
    expect(compareSpeedupChart({ results: fixture }, { results: scaled(1, 'webgpu'), backend: 'wasm' })).toBeUndefined();
  });
});
