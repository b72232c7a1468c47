import { describe, expect, it } from 'vitest';
import { LiveRun } from '../../../main/service/live-runs.js';
import type { PointRecord, Profile } from '../../../engine/common.js';

const point = (key: string) => ({ key }) as PointRecord;

describe('LiveRun: progress by time', () => {
  it('weighs groups by their estimated time, not their point count, and follows the run’s own pace', () => {
    let now = 1_000;
    // Two groups: a quick one (2 points, 100 ms) and a slow one (2 points, 900 ms).
    const plan = { groups: [{ keys: ['a1', 'a2'] }, { keys: ['b1', 'b2'] }], estimates: [100, 900] };
    const run = new LiveRun('r', 'f', {} as Profile, undefined, plan, new Set(), () => now);
    expect(run.time()).toEqual({ elapsedMs: 0, remainingMs: 1000, fraction: 0 });
    // The quick group took twice its estimate: half the points are done, but far less than half the time.
    now += 200;
    run.addPoint(point('a1'));
    run.addPoint(point('a2'));
    const t = run.time();
    expect(t.remainingMs).toBe(1800);
    expect(t.fraction).toBeCloseTo(0.1, 9);
    run.addPoint(point('b1'));
    run.addPoint(point('b2'));
    expect(run.time()).toMatchObject({ remainingMs: 0, fraction: 1 });
  });

  it('leaves out what a resumed run took from its journal', () => {
    const now = 0;
    const plan = { groups: [{ keys: ['a'] }, { keys: ['b'] }], estimates: [500, 500] };
    const run = new LiveRun('r', 'f', {} as Profile, undefined, plan, new Set(['a']), () => now);
    expect(run.time().remainingMs).toBe(500);
  });
});
