import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { calibrateFromRuns, estimateGroupsMs, estimateSweepMs, measuredGroups, nominalGroupMs } from '../../../engine/sweep/estimate.js';
import { expandProfile } from '../../../engine/sweep/expand.js';
import { validateProfileObject } from '../../../engine/files/read.js';
import type { PointRecord, SweepResults } from '../../../engine/files/schemas.js';
import { fixture } from '../report/fixture.js';

// The smoke profile's families over a wider range of sizes, so the fit has a slope to find.
const smoke = JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8'));
const profile = validateProfileObject({ ...smoke, axes: { groups: [2, 16] }, fixed: { ...smoke.fixed, channels: 64, batch: 8 } });
const groups = expandProfile(profile);

/** A run of the smoke profile whose every valid group took `scale` × its nominal time + `extra` ms, after `setup` ms. */
function run(scale: number, extra: number, setup: number): SweepResults {
  let t = Date.parse('2026-01-01T00:00:00.000Z') + setup;
  const nominal = groups.map((g) => (g.config ? nominalGroupMs(g, profile.measure) : 0));
  const points: PointRecord[] = groups.flatMap((g, i) => {
    if (g.config) t += scale * nominal[i]! + extra;
    return g.keys.map((key, k) => ({
      key,
      family: g.family.name,
      implementation: g.implementations[k]!.name,
      role: g.implementations[k]!.role,
      mode: g.mode,
      backend: g.backend,
      config: g.config ?? g.raw,
      status: g.config ? ('ok' as const) : ('invalid' as const),
      finishedAt: new Date(t).toISOString(),
    }));
  });
  return { ...fixture, profile, createdAt: '2026-01-01T00:00:00.000Z', points };
}

describe('estimates from measured cost', () => {
  it('reads each group’s wall time from the points’ finish times, set-up in the first', () => {
    const measured = measuredGroups(run(2, 50, 3000));
    expect(measured.length).toBe(groups.filter((g) => g.config).length);
    expect(measured[0]!.first).toBe(true);
    // Finish times are ISO timestamps, whole milliseconds: each group's wall time is exact to 1 ms.
    expect(Math.abs(measured[0]!.measuredMs - (3000 + 2 * measured[0]!.nominalMs + 50))).toBeLessThanOrEqual(1);
    expect(Math.abs(measured[1]!.measuredMs - (2 * measured[1]!.nominalMs + 50))).toBeLessThanOrEqual(1);
  });

  it('fits scale, per-group cost and set-up per backend, and estimates a plan with them', () => {
    const c = calibrateFromRuns([run(2, 50, 3000), run(2, 50, 3000)]);
    expect(c.wasm!.scale).toBeCloseTo(2, 1);
    expect(c.wasm!.perGroupMs).toBeCloseTo(50, -1);
    expect(c.wasm!.setupMs).toBeCloseTo(3000, -2);
    expect(c.wasm!.runs).toBe(2);
    const perGroup = groups.reduce((a, g) => a + (g.config ? nominalGroupMs(g, profile.measure) : 0), 0);
    const calibrated = estimateSweepMs(groups, profile.measure, c);
    const valid = groups.filter((g) => g.config).length;
    expect(calibrated).toBeCloseTo(2 * perGroup + 50 * valid + 3000, -2);
    // Before any run, the backend's start is counted too (pass processes, wasm; on torch a Python each).
    expect(estimateSweepMs(groups, profile.measure)).toBeCloseTo(perGroup + 2000, -1);
  });

  it('never extrapolates a run of tiny shapes down to less than the nominal figure for much bigger ones', () => {
    // Every group took the same 100 ms whatever its size: all fixed cost, no slope to learn.
    const flat = run(0, 100, 0);
    const c = calibrateFromRuns([flat]);
    expect(c.wasm!.scale).toBeGreaterThan(0);
    const big = expandProfile({
      ...profile,
      axes: { groups: [12] },
      fixed: { ...profile.fixed, channels: 512, batch: 32, height: 14, width: 14 },
    });
    const calibrated = estimateGroupsMs(big, profile.measure, c);
    const far = big.filter((g) => g.config && nominalGroupMs(g, profile.measure) > 4 * c.wasm!.maxNominalMs);
    expect(far.length).toBeGreaterThan(0);
    for (const g of far) expect(calibrated[big.indexOf(g)]).toBeGreaterThanOrEqual(nominalGroupMs(g, profile.measure));
  });
});

describe('estimates of torch sweeps', () => {
  it('estimate every family the PyTorch worker runs, its own implementations included (replicate’s expandReshape)', () => {
    const all = validateProfileObject({ ...smoke, backends: ['torch'] });
    const planned = expandProfile(all);
    expect(planned.some((g) => g.implementations.some((i) => i.name === 'parallel.expandReshape'))).toBe(true);
    const ms = estimateGroupsMs(planned, all.measure);
    expect(ms.every((m) => Number.isFinite(m) && m >= 0)).toBe(true);
  });
});
