import { tf } from '../engine/core/tf.js';
import { deviceIdle } from '../engine/core/device-sync.js';
import { FAMILIES } from '../engine/families/index.js';
import { parseConfig } from '../engine/core/config.js';
import { summarize } from '../engine/stats/sample-stats.js';

/** Milliseconds per call of `f`, median over `reps` calls. */
async function medianMs(f: () => Promise<void>, reps: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return summarize(times).medianMs;
}

/**
 * What ending a sample costs at the seed's output sizes: the completion wait a sample uses now
 * (deviceIdle: nothing on cpu/wasm, a queue wait on webgpu) beside a one-element read of the output
 * (the probe samples used before). Measured on a real output-sized tensor, not an empty call.
 */
export async function sampleEndOverhead(reps = 30): Promise<string[]> {
  const lines = ['family          output elements  completion wait  one-element read'];
  for (const family of FAMILIES) {
    const shape = family.outputShape(parseConfig(family, {}));
    const output = tf.fill(shape, 1);
    const wait = await medianMs(() => deviceIdle(), reps);
    const read = await medianMs(async () => {
      const one = tf.tidy(() => tf.slice(tf.reshape(output, [-1]), 0, 1));
      await one.data();
      one.dispose();
    }, reps);
    output.dispose();
    const elements = shape.reduce((a, b) => a * b, 1);
    lines.push(
      `${family.name.padEnd(15)} ${String(elements).padStart(15)}  ${(wait * 1000).toFixed(1).padStart(12)} µs  ${(read * 1000).toFixed(1).padStart(13)} µs`,
    );
  }
  return lines;
}
