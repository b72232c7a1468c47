import {
  describeFamilies,
  disposeWeights,
  formulas,
  getFamily,
  loadWeights,
  parseConfig,
  verify,
  type Equivalence,
} from '../../engine/index.js';
import type { WeightSet } from '../../engine/common.js';
import { nodeEnvironment, readSafetensorsFile, useBackend, verifyTorch } from '../../engine/node.js';
import { backendOption, intOption, jsonOption, modesOption, parse, usage, deviceOption } from './args.js';
import { bytes, human, table } from './table.js';

type Out = (text: string) => void;

/** `fusebench families [--json]` */
export function familiesCommand(argv: string[], out: Out): number {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  const families = describeFamilies();
  if (values.json) {
    out(
      JSON.stringify(
        families.map(({ name, title, summary, implementations, implementationDetails, config }) => ({
          name,
          title,
          summary,
          implementations,
          implementationDetails,
          config,
        })),
        null,
        2,
      ),
    );
  } else {
    for (const f of families)
      out(
        `${f.name} — ${f.summary}\n  ${f.implementationDetails.map((d) => d.name + (d.backends ? ` (${d.backends.join(', ')} only)` : '')).join('\n  ')}\n  defaults ${JSON.stringify(f.config)}\n`,
      );
  }
  return 0;
}

/** `fusebench formulas --family F [--config JSON] [--json]` */
export function formulasCommand(argv: string[], out: Out): number {
  const { values } = parse(argv, { family: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } });
  if (!values.family) throw usage('formulas needs --family; see `fusebench families`');
  const report = formulas(values.family, jsonOption('--config', values.config) ?? {});
  if (values.json) {
    out(JSON.stringify(report, null, 2));
    return 0;
  }
  out(`${report.family} ${JSON.stringify(report.config)}`);
  out(`  parameters        ${report.params} (${human(report.params)})`);
  out(`  buffers           ${report.bufferElements}`);
  out(`  forward FLOPs     ${report.flops} (${human(report.flops, 'FLOP')})`);
  out(`  activation bytes  ${report.activationBytes} (${bytes(report.activationBytes)})`);
  out(
    table(
      ['implementation', 'stored params', 'executed FLOPs', 'predicted peak'],
      Object.entries(report.implementations).map(([name, f]) => [
        name,
        f.storedParams,
        human(f.executedFlops, 'FLOP'),
        bytes(f.predictedPeakBytes),
      ]),
    ),
  );
  return 0;
}

/** `--weights W.safetensors` (serial PyTorch names) for the family at its config, on the active backend. */
function weightsOption(
  path: string | undefined,
  family: string | undefined,
  config: Record<string, unknown> | undefined,
): WeightSet | undefined {
  if (path === undefined) return undefined;
  if (!family) throw usage('--weights needs --family: weights belong to one family');
  const f = getFamily(family);
  return loadWeights(f, parseConfig(f, { ...f.small, ...(config ?? {}) }), readSafetensorsFile(path).tensors, {
    layout: 'pytorch',
    source: path,
  });
}

/** `fusebench verify [--family F] [--config JSON] [--weights W] [--backend B] [--device D] [--mode M] [--seed N] [--json]` */
export async function verifyCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values } = parse(argv, {
    family: { type: 'string' },
    config: { type: 'string' },
    weights: { type: 'string' },
    backend: { type: 'string' },
    device: { type: 'string' },
    mode: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  const backend = backendOption(values.backend);
  const seed = intOption('--seed', values.seed) ?? Math.floor(Math.random() * 1_000_000);
  const config = jsonOption('--config', values.config);
  // The reference runs on tfjs-cpu when torch is checked (engine/backends/torch/verify-torch.ts).
  await useBackend(backend === 'torch' ? 'cpu' : backend);
  const weights = weightsOption(values.weights, values.family, config);
  const request = { family: values.family, config, modes: modesOption(values.mode), seed, ...(weights ? { weights } : {}) };
  let results: (Equivalence & { device?: string })[];
  try {
    results =
      backend === 'torch' ? await verifyTorch({ ...request, device: deviceOption(values.device) }) : await verify({ ...request, backend });
  } finally {
    if (weights) disposeWeights(weights);
  }
  const failed = results.filter((r) => !r.pass);
  if (values.json) {
    out(JSON.stringify(results, null, 2));
  } else {
    out(
      table(
        ['family', 'implementation', 'mode', 'backend', 'relErr', 'maxAbs', 'tolerance', 'result'],
        results.map((r) => [
          r.family,
          r.implementation,
          r.mode,
          r.device ? `${r.backend} (${r.device})` : r.backend,
          r.relErr.toExponential(2),
          r.maxAbs.toExponential(2),
          r.tolerance.toExponential(0),
          r.pass ? 'pass' : 'FAIL',
        ]),
      ),
    );
    out(`${results.length - failed.length} passed, ${failed.length} failed (seed ${seed})`);
  }
  for (const f of failed) err(f.message ?? `${f.implementation} failed`);
  return failed.length > 0 ? 1 : 0;
}

/** `fusebench env [--json]` */
export async function envCommand(argv: string[], out: Out): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  const env = await nodeEnvironment();
  if (values.json) {
    out(JSON.stringify(env, null, 2));
    return 0;
  }
  out(`${env.tool} ${env.toolVersion} · Node ${env.node} · TensorFlow.js ${env.tfjs}`);
  out(`${env.os} · ${env.cpu} × ${env.cores} · ${bytes(env.memoryBytes)}`);
  out(
    table(
      ['backend', 'available', 'device or reason'],
      env.backends.map((b) => [b.name, b.available ? 'yes' : 'no', b.available ? (b.device ?? '') : (b.reason ?? '')]),
    ),
  );
  return 0;
}
