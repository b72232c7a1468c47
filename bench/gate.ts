/**
 * How often the equivalence gate fails on correct rewrites (issue #16): `verify` on many fresh seeds,
 * every family × implementation × mode, in one process. A proof that fails one run in five on a
 * correct rewrite is not a proof: this should print 0 failures (known defects of a backend, listed in
 * KNOWN_DEFECTS, are counted apart).
 *
 *   npm run bench:gate [-- --backend torch|cpu|wasm|webgpu] [-- --seeds N] [-- --first SEED]
 */
import { parseArgs } from 'node:util';
import { isBackendName } from '../engine/core/backend-names.js';
import { useBackend } from '../engine/backends/node.js';
import { TorchWorker } from '../engine/torch/worker-process.js';
import { verifyTorch } from '../engine/torch/verify-torch.js';
import { parseConfig } from '../engine/core/config.js';
import { MODES } from '../engine/core/types.js';
import { checkEquivalence } from '../engine/equivalence.js';
import { FAMILIES } from '../engine/families/index.js';

interface Row {
  seed: number;
  family: string;
  implementation: string;
  mode: string;
  pass: boolean;
  knownDefect?: string;
  relErr: number;
  message?: string;
}

const { values } = parseArgs({ options: { backend: { type: 'string' }, seeds: { type: 'string' }, first: { type: 'string' } } });
const backend = values.backend ?? 'torch';
if (!isBackendName(backend)) throw new Error(`unknown backend ${backend}`);
const seeds = Number(values.seeds ?? (backend === 'torch' ? 500 : 100));
const first = Number(values.first ?? Math.floor(Math.random() * 1_000_000));

async function rowsOf(seed: number, worker?: TorchWorker): Promise<Row[]> {
  if (worker) {
    return (await verifyTorch({ seed, worker })).map((r) => ({ ...r, seed, relErr: r.relErr ?? NaN }));
  }
  const rows: Row[] = [];
  for (const family of FAMILIES) {
    const config = parseConfig<object>(family, family.small);
    for (const mode of MODES) {
      for (const e of await checkEquivalence({ family, config, mode, backend: backend as 'cpu', seed })) {
        rows.push({
          seed,
          family: family.name,
          implementation: e.implementation,
          mode,
          pass: e.pass,
          relErr: e.relErr,
          message: e.message,
          ...(e.knownDefect ? { knownDefect: e.knownDefect } : {}),
        });
      }
    }
  }
  return rows;
}

const info = await useBackend(backend);
const worker = backend === 'torch' ? await TorchWorker.start({ device: 'auto' }) : undefined;
const started = performance.now();
let checks = 0;
let known = 0;
const failures: Row[] = [];
try {
  for (let s = first; s < first + seeds; s++) {
    for (const r of await rowsOf(s, worker)) {
      checks += 1;
      if (r.knownDefect && !r.pass) known += 1;
      else if (!r.pass) failures.push(r);
    }
  }
} finally {
  await worker?.dispose();
}
const device = worker ? '' : ` (${info.device})`;
console.log(`bench:gate · ${backend}${device} · seeds ${first}…${first + seeds - 1} · every family × implementation × mode`);
console.log(
  `checks: ${checks}; failures: ${failures.length}; known backend defects (KNOWN_DEFECTS): ${known}; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
for (const f of failures.slice(0, 20))
  console.log(`  seed ${f.seed} ${f.family} ${f.implementation} ${f.mode}: relErr ${f.relErr} ${f.message ?? ''}`);
process.exitCode = failures.length === 0 ? 0 : 1;
