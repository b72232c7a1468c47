import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileSchema } from '../../../engine/files/schemas.js';

/** Counts every check of a plan, wherever it is made. */
const checks = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../../engine/sweep/plan-check.js', async (original) => {
  const real = await original<typeof import('../../../engine/sweep/plan-check.js')>();
  return { ...real, checkPlan: (...args: Parameters<typeof real.checkPlan>) => (checks.n++, real.checkPlan(...args)) };
});

const { createWorkbenchService } = await import('../../../main/service/workbench-service.js');
const { runSweepToFiles } = await import('../../../engine/sweep/node-sweep.js');

const profile = profileSchema.parse({
  schemaVersion: 2,
  name: 'once',
  families: ['gmp'],
  backends: ['cpu'],
  axes: { groups: [2] },
  fixed: { batch: 2, channels: 4, height: 2, width: 2 },
  measure: { warmupMs: 1, minSamples: 3, maxSamples: 3, maxMsPerPoint: 50, minPasses: 1, maxPasses: 1 },
});

describe('a sweep is planned once (issue #18)', () => {
  it('the host plans a run once and its engine builds from that plan without checking it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-once-'));
    let launched: Parameters<typeof runSweepToFiles>[0] | undefined;
    const service = createWorkbenchService({
      workspaceDir: dir,
      recentPath: join(dir, '.fusebench', 'recent.json'),
      environment: async () => ({ backends: [{ name: 'cpu', available: true, kernelTiming: 'host' }] }) as never,
      launch: (request) => {
        launched = request;
        return { cancel: () => undefined, finished: new Promise(() => undefined) };
      },
      files: { dialogs: false, pick: async () => null, saveTarget: async (_k, name) => join(dir, 'runs', name) },
    });
    checks.n = 0;
    await service.startSweep({ profile });
    expect(checks.n).toBe(1);
    expect(launched!.plan).toEqual({ backends: ['cpu'], points: 4 });
    // What the engine process does with that request: measure it, with no second check.
    const { results } = await runSweepToFiles({ ...launched!, report: false });
    expect(results.points).toHaveLength(4);
    expect(checks.n).toBe(1);
    service.dispose();
  }, 60_000);
});
