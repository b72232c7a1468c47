import type { Clock, Contender } from '../../../engine/measure/sampler.js';

/**
 * Simulated time: a call "takes" exactly the milliseconds it spends, whatever the machine is doing, so
 * these tests assert exact counts and never race the wall clock. Every call is logged by name.
 */
export function fakeClock() {
  let t = 0;
  const log: string[] = [];
  const clock: Clock = () => t;
  /** A contender whose call i (from 0, warm-up included) takes msOf(i) milliseconds. */
  const contender = (name: string, msOf: (call: number) => number): Contender => {
    let calls = 0;
    return {
      name,
      run: async (k) => {
        for (let j = 0; j < k; j++) {
          log.push(name);
          t += msOf(calls++);
        }
      },
    };
  };
  return { clock, log, contender };
}
