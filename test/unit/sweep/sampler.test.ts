import { describe, expect, it } from 'vitest';
import { sampleInterleaved, type Contender } from '../../../engine/measure/sampler.js';
import { measureSettingsSchema } from '../../../engine/files/schemas.js';

/** A call that takes about `ms` of wall time (busy wait: timers are too coarse for this). */
function busy(ms: number): () => Promise<void> {
  return async () => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      /* spin */
    }
  };
}

const settings = (over: Partial<ReturnType<typeof measureSettingsSchema.parse>>) => measureSettingsSchema.parse({ warmupMs: 0, ...over });

describe('adaptive interleaved sampling', () => {
  it('keeps the first call apart, warms up at least twice, and stops a steady contender once stable', async () => {
    const t = (
      await sampleInterleaved([{ name: 'steady', call: busy(1) }], settings({ minSamples: 5, maxSamples: 200, targetRelIqr: 0.5 }))
    ).get('steady')!;
    expect(t.firstCallMs).toBeGreaterThan(0.9);
    expect(t.warmupCalls).toBeGreaterThanOrEqual(2);
    expect(t.stopReason).toBe('stable');
    expect(t.samplesMs.length).toBeGreaterThanOrEqual(5);
    expect(t.samplesMs.length).toBeLessThan(200);
  });

  it('runs a noisy contender to maxSamples', async () => {
    let i = 0;
    const noisy = async () => busy(i++ % 2 === 0 ? 0.2 : 3)();
    const t = (
      await sampleInterleaved([{ name: 'noisy', call: noisy }], settings({ minSamples: 3, maxSamples: 12, targetRelIqr: 0.01 }))
    ).get('noisy')!;
    expect(t.stopReason).toBe('maxSamples');
    expect(t.samplesMs).toHaveLength(12);
  });

  it('stops at the time budget', async () => {
    const t = (
      await sampleInterleaved([{ name: 'slow', call: busy(4) }], settings({ minSamples: 1000, maxSamples: 1000, maxMsPerPoint: 40 }))
    ).get('slow')!;
    expect(t.stopReason).toBe('timeBudget');
    expect(t.samplesMs.length).toBeGreaterThan(3);
    expect(t.samplesMs.length).toBeLessThan(30);
  });

  it('gives every contender at least 3 samples even when one call outlasts the budget', async () => {
    const times = await sampleInterleaved(
      [
        { name: 'slow', call: busy(6) },
        { name: 'fast', call: busy(0.1) },
      ],
      settings({ minSamples: 50, maxSamples: 50, maxMsPerPoint: 1 }),
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
    const times = await sampleInterleaved(
      [
        { name: 'flaky', call: flaky },
        { name: 'fine', call: busy(0.1) },
      ],
      settings({ minSamples: 6, maxSamples: 6, targetRelIqr: 0 }),
    );
    expect((times.get('flaky')!.error as Error).message).toBe('out of memory');
    expect(times.get('fine')!.samplesMs).toHaveLength(6);
  });
});
