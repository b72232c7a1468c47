import { describe, expect, it } from 'vitest';
import { MIN_BUDGET_SAMPLES, sampleGroup, type Contender } from '../../../engine/measure/sampler.js';
import { fakeClock } from './fake-clock.js';
import { measureSettingsSchema } from '../../../engine/files/schemas.js';

const settings = (over: Partial<ReturnType<typeof measureSettingsSchema.parse>>) => measureSettingsSchema.parse({ warmupMs: 0, ...over });
const pair = [{ parallel: 'parallel', baseline: 'serial' }];

describe('paired-round sampling', () => {
  it('warms up at least twice and picks a block of k calls lasting ≥ 1 ms; samples are per call', async () => {
    const { clock, contender } = fakeClock();
    const times = await sampleGroup(
      [contender('serial', () => 0.5), contender('parallel', () => 0.25)],
      pair,
      settings({ minSamples: 5, maxSamples: 5 }),
      undefined,
      clock,
    );
    const serial = times.contenders.get('serial')!;
    const parallel = times.contenders.get('parallel')!;
    expect(serial.warmupCalls).toBe(2);
    expect(serial.blockSize).toBe(2);
    expect(parallel.blockSize).toBe(4);
    expect(serial.samplesMs).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(parallel.samplesMs).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
  });

  it('stops once every speedup interval is narrower than targetCiWidth, after minSamples rounds', async () => {
    const { clock, contender } = fakeClock();
    const times = await sampleGroup(
      [contender('serial', () => 2), contender('parallel', () => 1)],
      pair,
      settings({ minSamples: 6, maxSamples: 100, targetCiWidth: 0.05 }),
      undefined,
      clock,
    );
    expect(times.stopReason).toBe('converged');
    expect(times.rounds).toBe(6);
  });

  it('keeps sampling noisy ratios to maxSamples', async () => {
    const { clock, contender } = fakeClock();
    const times = await sampleGroup(
      // Golden-ratio steps: spread, non-repeating times, as noisy timings are (ties would pin a median).
      [contender('serial', (i) => 1 + ((i * 0.618034) % 1) * 2), contender('parallel', (i) => 1 + ((i * 0.414214) % 1) * 2)],
      pair,
      settings({ minSamples: 3, maxSamples: 12, targetCiWidth: 0.01 }),
      undefined,
      clock,
    );
    expect(times.stopReason).toBe('maxSamples');
    expect(times.rounds).toBe(12);
    for (const t of times.contenders.values()) expect(t.samplesMs).toHaveLength(12);
  });

  it('stops at the time budget, but never before MIN_BUDGET_SAMPLES rounds', async () => {
    const { clock, contender } = fakeClock();
    const times = await sampleGroup(
      [contender('serial', (i) => (i % 2 === 0 ? 4 : 8)), contender('parallel', () => 4)],
      pair,
      settings({ minSamples: 1000, maxSamples: 1000, maxMsPerPoint: 1, targetCiWidth: 0 }),
      undefined,
      clock,
    );
    expect(times.stopReason).toBe('timeBudget');
    expect(times.rounds).toBe(MIN_BUDGET_SAMPLES);
  });

  it('times every contender once per round in an order rotated each round: none is ever timed alone', async () => {
    const { clock, log, contender } = fakeClock();
    const contenders = [contender('serial', () => 1), contender('a', () => 1), contender('b', () => 1)];
    // Different stop speeds per pairing would let one leave early in a per-contender sampler; here none may.
    const times = await sampleGroup(
      contenders,
      [
        { parallel: 'a', baseline: 'serial' },
        { parallel: 'b', baseline: 'serial' },
      ],
      settings({ minSamples: 4, maxSamples: 4 }),
      undefined,
      clock,
    );
    const sampling = log.slice(log.length - 12);
    expect(sampling).toEqual(['serial', 'a', 'b', 'a', 'b', 'serial', 'b', 'serial', 'a', 'serial', 'a', 'b']);
    for (const t of times.contenders.values()) expect(t.samplesMs).toHaveLength(4);
  });

  it('uses the time a contender reports for its block (e.g. measured inside a worker process)', async () => {
    const report = (ms: number): Contender => ({ name: ms === 3 ? 'serial' : 'parallel', run: async (k) => ({ ms: k * ms }) });
    const times = await sampleGroup([report(3), report(1)], pair, settings({ minSamples: 3, maxSamples: 3 }));
    expect(times.contenders.get('serial')!.samplesMs).toEqual([3, 3, 3]);
    expect(times.contenders.get('parallel')!.samplesMs).toEqual([1, 1, 1]);
  });

  it('stops at the next sample when cancelled, and says so', async () => {
    const controller = new AbortController();
    let calls = 0;
    const c: Contender = {
      name: 'serial',
      run: async (k) => {
        calls += k;
        if (calls >= 6) controller.abort();
      },
    };
    const d: Contender = { name: 'parallel', run: async () => undefined };
    const times = await sampleGroup([c, d], pair, settings({ minSamples: 100, maxSamples: 100 }), controller.signal);
    expect(times.stopReason).toBe('cancelled');
    expect(times.rounds).toBeLessThan(100);
  });

  it('a contender that throws leaves with its error; with no pairing left the group stops', async () => {
    const { clock, contender } = fakeClock();
    let n = 0;
    const flaky: Contender = {
      name: 'parallel',
      run: async () => {
        if (++n > 4) throw new Error('out of memory');
      },
    };
    const times = await sampleGroup(
      [contender('serial', () => 1), flaky],
      pair,
      settings({ minSamples: 6, maxSamples: 6 }),
      undefined,
      clock,
    );
    expect((times.contenders.get('parallel')!.error as Error).message).toBe('out of memory');
    expect(times.stopReason).toBe('nothingToCompare');
    expect(times.contenders.get('serial')!.samplesMs.length).toBeGreaterThanOrEqual(times.contenders.get('parallel')!.samplesMs.length);
  });
});
