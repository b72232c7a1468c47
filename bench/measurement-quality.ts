/**
 * How much to trust one measurement (issue #3): runs the same point twice in one process and prints
 * the run-to-run difference of medians and each run's relIQR, then the harness's own overhead per
 * sample (a call that does nothing) as a ratio to a measured op. Prints ratios measured in this run.
 *
 *   npm run bench:quality [-- --backend wasm --family bottleneck --config '{"groups":4}']
 */
import { parseArgs } from 'node:util';
import { getFamily, parseConfig } from '../engine/index.js';
import { useBackend } from '../engine/backends/node.js';
import { measureGroup } from '../engine/measure/measure-group.js';
import { sampleInterleaved } from '../engine/measure/sampler.js';
import { measureSettingsSchema } from '../engine/files/schemas.js';
import { summarize } from '../engine/report/stats.js';
import { isBackendName } from '../engine/backends/backend.js';
import type { Implementation } from '../engine/core/types.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    family: { type: 'string', default: 'bottleneck' },
    config: { type: 'string', default: '{"groups":4,"channels":32,"batch":2,"height":14,"width":14}' },
  },
});
if (!isBackendName(values.backend!)) throw new Error(`unknown backend ${values.backend}`);
const backend = await useBackend(values.backend);
const family = getFamily(values.family!);
const config = parseConfig<Record<string, unknown>>(family, JSON.parse(values.config!));
const settings = measureSettingsSchema.parse({ warmupMs: 300, minSamples: 20, maxSamples: 60, targetRelIqr: 0.02, maxMsPerPoint: 20_000 });
const group = {
  family,
  config,
  mode: 'inference' as const,
  backend,
  implementations: family.implementations as readonly Implementation<object>[],
};

console.log(`measurement quality · ${family.name} ${JSON.stringify(config)} · ${backend.name} (${backend.device})`);
const first = await measureGroup(group, settings);
const second = await measureGroup(group, settings);
console.log('implementation                 median run1   median run2   diff     relIQR1  relIQR2  n1/n2');
for (let i = 0; i < first.length; i++) {
  const a = first[i]!.time!;
  const b = second[i]!.time!;
  const diff = (b.medianMs - a.medianMs) / a.medianMs;
  console.log(
    `${first[i]!.implementation.padEnd(30)} ${a.medianMs.toFixed(3).padStart(9)} ms ${b.medianMs.toFixed(3).padStart(9)} ms ${(diff * 100).toFixed(2).padStart(6)}%  ${(a.relIqr * 100).toFixed(2).padStart(6)}%  ${(b.relIqr * 100).toFixed(2).padStart(6)}%  ${a.n}/${b.n}`,
  );
}

// Harness overhead: what a sample costs when the call itself does nothing.
const noop = await sampleInterleaved(
  [{ name: 'noop', call: async () => undefined }],
  measureSettingsSchema.parse({ warmupMs: 50, minSamples: 200, maxSamples: 200, targetRelIqr: 0 }),
);
const overhead = summarize(noop.get('noop')!.samplesMs).medianMs;
const measured = first[0]!.time!.medianMs;
console.log(
  `harness overhead per sample: ${(overhead * 1000).toFixed(2)} µs = ${((overhead / measured) * 100).toFixed(4)}% of ${first[0]!.implementation} (${measured.toFixed(3)} ms)`,
);
