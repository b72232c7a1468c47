import { describe, expect, it } from 'vitest';
import { LiveRun } from '../../../main/service/live-runs.js';
import type { Profile } from '../../../engine/common.js';

const progress = (doneMs: number, leftMs: number) => ({ done: 0, total: 4, estimate: { doneMs, leftMs } });

describe('LiveRun: progress by time', () => {
  it('weighs groups by their estimated time, not their point count, and follows the run’s own pace', () => {
    let now = 1_000;
    const run = new LiveRun('r', 'f', {} as Profile, undefined, () => now);
    // Before the engine's first report nothing is known: no fraction done.
    expect(run.time()).toEqual({ elapsedMs: 0, remainingMs: 0, fraction: 0 });
    // Two groups: a quick one (100 ms estimated) and a slow one (900 ms), as the engine reports them.
    run.progress = progress(0, 1000);
    expect(run.time()).toEqual({ elapsedMs: 0, remainingMs: 1000, fraction: 0 });
    // The quick group took twice its estimate: half the points are done, but far less than half the time.
    now += 200;
    run.progress = progress(100, 900);
    const t = run.time();
    expect(t.remainingMs).toBe(1800);
    expect(t.fraction).toBeCloseTo(0.1, 9);
    run.progress = progress(1000, 0);
    expect(run.time()).toMatchObject({ remainingMs: 0, fraction: 1 });
  });
});
