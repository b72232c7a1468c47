import { describe, expect, it } from 'vitest';
import { dimensions, equivalenceFlag, groupSeries, sweptAxes } from '../../../engine/report/series.js';
import { speedupIndex } from '../../../engine/report/speedup.js';
import { BLOCKDIAG, IM2COL, SERIAL, fixture } from './fixture.js';

const view = { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups' } as const;

describe('series', () => {
  it('lists families, modes and backends present', () => {
    expect(dimensions(fixture)).toEqual({ families: ['bottleneck', 'gmp'], modes: ['inference'], backends: ['wasm'] });
  });

  it('finds the swept axes of each family, preferred axes first', () => {
    expect(sweptAxes(fixture, 'bottleneck')).toEqual(['groups', 'batch']);
    expect(sweptAxes(fixture, 'gmp')).toEqual(['channels']);
    expect(sweptAxes(fixture, 'no-such-family')).toEqual([]);
  });

  it('groups by implementation and the other swept keys, serial first, points in axis order', () => {
    const series = groupSeries(fixture, view);
    expect(series.map((s) => s.label)).toEqual([
      `${SERIAL} · batch=1`,
      `${SERIAL} · batch=2`,
      `${IM2COL} · batch=1`,
      `${IM2COL} · batch=2`,
      `${BLOCKDIAG} · batch=1`,
      `${BLOCKDIAG} · batch=2`,
    ]);
    for (const s of series) {
      expect(s.points.map((p) => p.config.groups)).toEqual([1, 2, 4]);
      expect(s.points.every((p) => p.implementation === s.implementation && p.config.batch === s.fixed.batch)).toBe(true);
    }
  });

  it('labels by groups when the axis is batch', () => {
    const labels = groupSeries(fixture, { ...view, axis: 'batch' }).map((s) => s.label);
    expect(labels).toHaveLength(9);
    expect(labels[0]).toBe(`${SERIAL} · groups=1`);
    expect(labels).toContain(`${BLOCKDIAG} · groups=4`);
  });

  it('flags the non-equivalent point and gives it no speedup', () => {
    const bad = fixture.points.find((p) => p.equivalence?.pass === false);
    expect(bad).toBeDefined();
    expect(equivalenceFlag(bad!)).toBe('not equivalent: relErr 0.0032 (tolerance 1e-5)');
    const info = speedupIndex(fixture)(bad!);
    expect(info.speedup).toBeUndefined();
    expect(info.ratio).toBeCloseTo(7.6 / 5.0, 10);
    const good = fixture.points.find((p) => p.implementation === IM2COL && p.config.groups === 4 && p.config.batch === 1)!;
    expect(equivalenceFlag(good)).toBeUndefined();
    expect(speedupIndex(fixture)(good)).toMatchObject({ speedup: good.speedup, speedupLow: good.speedupLow, verdict: 'faster' });
    expect(good.speedup).toBeCloseTo(8 / 3.5, 1);
  });
});
