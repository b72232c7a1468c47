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
import type { BackendName, WeightSet } from '../../engine/common.js';
import { familyReference, nodeEnvironment, readSafetensorsFile, useBackend, verifyExpected, verifyTorch } from '../../engine/node.js';
import { backendOption, intOption, jsonOption, modesOption, parse, usage, deviceOption } from './args.js';
import { configOption, fromOption, weightsOption, type GivenFile } from './checkpoint-options.js';
import { bytes, human, table } from './table.js';

type Out = (text: string) => void;

/** `fusebench families [--json]` */
export async function familiesCommand(argv: string[], out: Out): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  const families = describeFamilies();
  if (values.json) {
    await useBackend('cpu');
    out(JSON.stringify(familyReference(), null, 2));
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

type Row = {
  family: string;
  implementation: string;
  mode: string;
  backend: string;
  device?: string;
  relErr: number;
  maxAbs: number;
  tolerance: number;
  pass: boolean;
  message?: string;
};

function printChecks(results: readonly Row[], json: boolean | undefined, out: Out, err: Out, footer: string): number {
  const failed = results.filter((r) => !r.pass);
  if (json) {
    out(JSON.stringify(results, null, 2));
  } else {
    const e = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));
    out(
      table(
        ['family', 'implementation', 'mode', 'backend', 'relErr', 'maxAbs', 'tolerance', 'result'],
        results.map((r) => [
          r.family,
          r.implementation,
          r.mode,
          r.device ? `${r.backend} (${r.device})` : r.backend,
          e(r.relErr),
          e(r.maxAbs),
          r.tolerance.toExponential(0),
          r.pass ? 'pass' : 'FAIL',
        ]),
      ),
    );
    out(`${results.length - failed.length} passed, ${failed.length} failed (${footer})`);
  }
  for (const f of failed) err(f.message ?? `${f.implementation} failed`);
  return failed.length > 0 ? 1 : 0;
}

/**
 * `fusebench verify [--family F] [--config JSON] [--weights W [--from IMPL] [--prefix P]] [--input X --expected Y]
 * [--backend B] [--device D] [--mode M] [--seed N] [--json]`
 */
export async function verifyCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values } = parse(argv, {
    family: { type: 'string' },
    config: { type: 'string' },
    weights: { type: 'string' },
    from: { type: 'string' },
    prefix: { type: 'string' },
    input: { type: 'string' },
    expected: { type: 'string' },
    backend: { type: 'string' },
    device: { type: 'string' },
    mode: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  const backend = backendOption(values.backend);
  if ((values.weights || values.from || values.prefix || values.input || values.expected) && !values.family) {
    throw usage('--weights, --from, --prefix, --input and --expected need --family: a checkpoint belongs to one family');
  }
  if (values.input || values.expected) return verifyAgainstExpected(values, backend, out, err);
  const seed = intOption('--seed', values.seed) ?? Math.floor(Math.random() * 1_000_000);
  // The reference runs on tfjs-cpu when torch is checked (engine/torch/verify-torch.ts).
  await useBackend(backend === 'torch' ? 'cpu' : backend);
  let config = jsonOption('--config', values.config);
  let weights: WeightSet | undefined;
  if (values.weights) {
    const { file, checkpoint } = weightsOption(values.weights, values.prefix, err);
    config = configOption(values.config, values.family!, [file]);
    const f = getFamily(values.family!);
    const from = fromOption(values.from, f.name, file);
    weights = loadWeights(f, parseConfig(f, { ...f.small, ...config }), checkpoint.tensors, {
      layout: 'pytorch',
      source: values.weights,
      ...(from ? { implementation: from } : {}),
    });
  }
  const request = { family: values.family, config, modes: modesOption(values.mode), seed, ...(weights ? { weights } : {}) };
  let results: (Equivalence & { device?: string })[];
  try {
    results =
      backend === 'torch' ? await verifyTorch({ ...request, device: deviceOption(values.device) }) : await verify({ ...request, backend });
  } finally {
    if (weights) disposeWeights(weights);
  }
  return printChecks(results, values.json, out, err, `seed ${seed}`);
}

/** `verify --weights W --input X --expected Y`: every form against the user's own results (engine/verify-expected.ts). */
async function verifyAgainstExpected(
  values: {
    family?: string;
    config?: string;
    weights?: string;
    from?: string;
    prefix?: string;
    input?: string;
    expected?: string;
    device?: string;
    mode?: string;
    json?: boolean;
  },
  backend: BackendName,
  out: Out,
  err: Out,
): Promise<number> {
  if (!values.weights || !values.input || !values.expected) {
    throw usage('verify against your model needs --weights W, --input X and --expected Y (docs/pytorch.md shows how to save them)');
  }
  const family = values.family!;
  const weights = weightsOption(values.weights, values.prefix, err);
  const inputs: GivenFile = { path: values.input, content: readSafetensorsFile(values.input) };
  const expected: GivenFile = { path: values.expected, content: readSafetensorsFile(values.expected) };
  const config = configOption(values.config, family, [weights.file, inputs, expected]);
  const from = fromOption(values.from, family, weights.file);
  // Training where the user's results hold gradients, unless --mode says otherwise.
  const mode = values.mode ? modesOption(values.mode)[0]! : 'grad.input' in expected.content.tensors ? 'training' : 'inference';
  const checks = await verifyExpected({
    family,
    config,
    mode,
    backend,
    device: deviceOption(values.device),
    weights: weights.checkpoint.tensors,
    counters: weights.checkpoint.counters,
    ...(from ? { from } : {}),
    inputs: inputs.content.tensors,
    expected: expected.content.tensors,
    sources: { weights: values.weights, inputs: values.input, expected: values.expected },
  });
  return printChecks(
    checks.map((c) => ({ ...c, family })),
    values.json,
    out,
    err,
    `against ${values.expected}`,
  );
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
