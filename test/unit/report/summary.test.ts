import { describe, expect, it } from 'vitest';
import { summarizeResults, summaryTable } from '../../../engine/report/summary.js';
import { BLOCKDIAG, BOTTLENECK_MEDIANS, IM2COL, SERIAL, buildFixture, fixture } from './fixture.js';

const bottleneck = () => summarizeResults(fixture).find((s) => s.family === 'bottleneck')!;

describe('summarizeResults', () => {
  it('summarises each family × mode × backend', () => {
    expect(summarizeResults(fixture).map((s) => `${s.family}/${s.mode}/${s.backend}`)).toEqual([
      'bottleneck/inference/wasm',
      'gmp/inference/wasm',
    ]);
  });

  it('finds the crossover at groups 4, not at the faster but non-equivalent groups 2 point', () => {
    expect(bottleneck().crossover).toEqual({
      kind: 'found',
      groups: 4,
      implementation: IM2COL,
      config: { batch: 1, groups: 4, channels: 64, height: 8, width: 8, squeeze: 2 },
      speedup: expect.closeTo(8 / 3.5, 10),
    });
  });

  it('says there is none when no parallel implementation beats serial', () => {
    const slower = Object.fromEntries(
      Object.entries(BOTTLENECK_MEDIANS).map(([impl, cells]) => [
        impl,
        Object.fromEntries(Object.entries(cells).map(([cell, ms]) => [cell, impl === SERIAL ? ms : ms * 10])),
      ]),
    );
    const s = summarizeResults(buildFixture(slower)).find((x) => x.family === 'bottleneck')!;
    expect(s.crossover).toEqual({ kind: 'none' });
    expect(s.best?.implementation).toBe(SERIAL);
  });

  it('says groups not swept where groups is fixed', () => {
    expect(summarizeResults(fixture).find((s) => s.family === 'gmp')!.crossover).toEqual({ kind: 'groups-not-swept' });
  });

  it('ranks by geometric-mean speedup on common configs and leaves out the non-equivalent implementation', () => {
    const s = bottleneck();
    expect(s.disqualified).toEqual([BLOCKDIAG]);
    // im2col is timed at 5 of the 6 configs (g4b2 is invalid), serial at all 6: 5 common configs.
    const geomean = Math.pow((2 / 2.6) * (3.8 / 4.6) * (4 / 4.4) * (7.6 / 8) * (8 / 3.5), 1 / 5);
    expect(s.best).toEqual({ implementation: IM2COL, role: 'parallel', geomeanSpeedup: expect.closeTo(geomean, 10), configs: 5 });
    expect(s.ranking.map((r) => [r.implementation, r.geomeanSpeedup])).toEqual([
      [IM2COL, expect.closeTo(geomean, 10)],
      [SERIAL, 1],
    ]);
  });

  it('counts points by status and lists the non-equivalent one', () => {
    const s = bottleneck();
    expect(s.statusCounts).toEqual({ ok: 16, invalid: 1, error: 1, cancelled: 0 });
    expect(s.nonEquivalent).toEqual([
      {
        family: 'bottleneck',
        implementation: BLOCKDIAG,
        mode: 'inference',
        backend: 'wasm',
        config: { batch: 2, groups: 2, channels: 64, height: 8, width: 8, squeeze: 2 },
        relErr: 3.2e-3,
        maxAbs: expect.closeTo(9.6e-3, 12),
        tolerance: 1e-5,
      },
    ]);
  });
});

describe('summaryTable', () => {
  it('gives one terminal row per family × mode × backend', () => {
    const { header, rows } = summaryTable(fixture);
    expect(header).toEqual(['family', 'mode', 'backend', 'best', 'crossover', 'ok', 'invalid', 'error', 'cancelled', 'not equivalent']);
    expect(rows[0]).toEqual([
      'bottleneck',
      'inference',
      'wasm',
      `${IM2COL} ×1.05 (geomean of 5 configs); not ranked (not equivalent): ${BLOCKDIAG}`,
      `groups=4: ${IM2COL} ×2.29 (batch=1)`,
      '16',
      '1',
      '1',
      '0',
      '1',
    ]);
    // sqrt((1.2 / 0.4) · (2.3 / 0.7)) = 3.1396
    expect(rows[1]?.[3]).toBe('parallel.fusedMax ×3.14 (geomean of 2 configs)');
    expect(rows[1]?.[4]).toBe('groups not swept');
  });
});
