import { describe, expect, it } from 'vitest';
import { sampleInterleaved, type Clock, type Contender } from '../../../engine/measure/sampler.js';
import { measureSettingsSchema } from '../../../engine/files/schemas.js';

/**
 * Simulated time: a call "takes" exactly the milliseconds it spends, whatever the machine is doing, so
 * these tests assert exact counts and never race the wall clock.
 */
function fakeClock(): { clock: Clock; spend: (ms: number) => () => Promise<void> } {
  let t = 0;
  return {
    clock: () => t,
    spend: (ms) => async () => {
      t += ms;
    },
  };
}

const settings = (over: Partial<ReturnType<typeof measureSettingsSchema.parse>>) => measureSettingsSchema.parse({ warmupMs: 0, ...over });

describe('adaptive interleaved sampling', () => {
  it('keeps the first call apart, warms up at least twice, and stops a steady contender once stable', async () => {
    const { clock, spend } = fakeClock();
    const t = (
      await sampleInterleaved(
        [{ name: 'steady', call: spend(1) }],
        settings({ minSamples: 5, maxSamples: 200, targetRelIqr: 0.5 }),
        undefined,
        clock,
      )
    ).get('steady')!;
    expect(t.firstCallMs).toBe(1);
    expect(t.warmupCalls).toBe(2);
    expect(t.stopReason).toBe('stable');
    expect(t.samplesMs).toEqual([1, 1, 1, 1, 1]);
  });

  it('runs a noisy contender to maxSamples', async () => {
    const { clock, spend } = fakeClock();
    let i = 0;
    const noisy = () => spend(i++ % 2 === 0 ? 0.2 : 3)();
    const t = (
      await sampleInterleaved(
        [{ name: 'noisy', call: noisy }],
        settings({ minSamples: 3, maxSamples: 12, targetRelIqr: 0.01 }),
        undefined,
        clock,
      )
    ).get('noisy')!;
    expect(t.stopReason).toBe('maxSamples');
    expect(t.samplesMs).toHaveLength(12);
  });

  it('stops at the time budget', async () => {
    const { clock, spend } = fakeClock();
    const t = (
      await sampleInterleaved(
        [{ name: 'slow', call: spend(4) }],
        settings({ minSamples: 1000, maxSamples: 1000, maxMsPerPoint: 40 }),
        undefined,
        clock,
      )
    ).get('slow')!;
    expect(t.stopReason).toBe('timeBudget');
    // Samples start at 0, 4, …, 40 ms of the budget; the one due at 44 ms is past it.
    expect(t.samplesMs).toHaveLength(11);
  });

  it('gives every contender at least 3 samples even when one call outlasts the budget', async () => {
    const { clock, spend } = fakeClock();
    const times = await sampleInterleaved(
      [
        { name: 'slow', call: spend(6) },
        { name: 'fast', call: spend(0.1) },
      ],
      settings({ minSamples: 50, maxSamples: 50, maxMsPerPoint: 1 }),
      undefined,
      clock,
    );
    for (const t of times.values()) {
      expect(t.samplesMs).toHaveLength(3);
      expect(t.stopReason).toBe('timeBudget');
    }
  });

  it('interleaves contenders and rotates their order every round', async () => {
    const order: string[] = [];
    const contender = (name: string): Contender => ({ name, call: async () => void order.push(name) });
    await sampleInterleaved([contender('a'), contender('b'), contender('c')], settings({ minSamples: 4, maxSamples: 4, targetRelIqr: 0 }));
    const sampling = order.slice(order.length - 12);
    expect(sampling.slice(0, 3)).toEqual(['a', 'b', 'c']);
    expect(sampling.slice(3, 6)).toEqual(['b', 'c', 'a']);
    expect(sampling.slice(6, 9)).toEqual(['c', 'a', 'b']);
  });

  it('stops at the next sample when cancelled, and says so', async () => {
    const controller = new AbortController();
    let calls = 0;
    const call = async () => {
      calls += 1;
      if (calls === 6) controller.abort();
    };
    const t = (await sampleInterleaved([{ name: 'x', call }], settings({ minSamples: 100, maxSamples: 100 }), controller.signal)).get('x')!;
    expect(t.stopReason).toBe('cancelled');
    expect(calls).toBe(6);
  });

  it('a contender that throws leaves the rotation with its error; the others go on', async () => {
    let n = 0;
    const flaky = async () => {
      if (++n > 4) throw new Error('out of memory');
    };
    const { clock, spend } = fakeClock();
    const times = await sampleInterleaved(
      [
        { name: 'flaky', call: flaky },
        { name: 'fine', call: spend(0.1) },
      ],
      settings({ minSamples: 6, maxSamples: 6, targetRelIqr: 0 }),
      undefined,
      clock,
    );
    expect((times.get('flaky')!.error as Error).message).toBe('out of memory');
    expect(times.get('fine')!.samplesMs).toHaveLength(6);
  });
});
