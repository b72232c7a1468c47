import type { Mode } from '../../engine/common.js';
import { getFamily, parseConfig } from '../../engine/index.js';
import {
  assertRunsOn,
  convertCheckpoint,
  countersFor,
  forwardLayer,
  pytorchForm,
  readSafetensorsFile,
  useBackend,
  writeSafetensorsFile,
} from '../../engine/node.js';
import { backendOption, deviceOption, intOption, modesOption, parse, usage } from './args.js';
import { configOption, fromOption, weightsOption, type GivenFile } from './checkpoint-options.js';

type Out = (text: string) => void;

function singleMode(text: string | undefined): Mode {
  return text === undefined ? 'inference' : modesOption(text)[0]!;
}

/** `fusebench convert --family F [--config JSON] [--from serial|IMPL] --to IMPL|serial [--prefix P] IN.safetensors OUT.safetensors` */
export async function convertCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      family: { type: 'string' },
      config: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      prefix: { type: 'string' },
      seed: { type: 'string' },
    },
    true,
  );
  if (!values.family) throw usage('convert needs --family; see `fusebench families`');
  if (!values.to) throw usage('convert needs --to serial|IMPLEMENTATION (the layout to write)');
  if (positionals.length !== 2) throw usage(`convert needs IN.safetensors OUT.safetensors, got ${positionals.length} file name(s)`);
  const [inPath, outPath] = positionals as [string, string];
  const { file, checkpoint } = weightsOption(inPath, values.prefix, err);
  const config = configOption(values.config, values.family, [file]);
  const from = fromOption(values.from, values.family, file);
  await useBackend('cpu');
  const family = getFamily(values.family);
  const result = convertCheckpoint({
    family: values.family,
    config,
    ...(from ? { from } : {}),
    to: values.to,
    tensors: checkpoint.tensors,
    source: inPath,
    seed: intOption('--seed', values.seed) ?? 1,
  });
  const c = result.check;
  const summary = `relErr ${c.relErr.toExponential(2)} of ${c.implementation} on the converted weights against the originals (tolerance ${c.tolerance.toExponential(0)})`;
  if (!c.pass) {
    err(`fusebench convert: not written: the converted weights do not compute the same function: ${summary}`);
    return 1;
  }
  const counters = countersFor(pytorchForm(family, parseConfig(family, config), values.to).tensors, checkpoint.counters);
  if (counters.note) err(`${inPath}: ${counters.note}`);
  const metadata = {
    format: 'fusebench-weights',
    family: family.name,
    config: JSON.stringify(parseConfig(family, config)),
    layout: result.layout,
  };
  writeSafetensorsFile(outPath, { ...result.tensors, ...counters.counters }, metadata);
  const shared = result.layout !== values.to ? ` (${values.to} keeps its weights in the ${result.layout} layout)` : '';
  out(
    `${inPath} (${from ?? 'serial'}) → ${outPath} (${result.layout})${shared}: ${Object.keys(result.tensors).length} tensors; ${summary}`,
  );
  return 0;
}

/**
 * `fusebench forward --family F [--config JSON] --implementation IMPL [--weights W] [--from IMPL] [--prefix P]
 * --input X [--mode M] [--backend B] --out Y`
 */
export async function forwardCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values } = parse(argv, {
    family: { type: 'string' },
    config: { type: 'string' },
    implementation: { type: 'string' },
    weights: { type: 'string' },
    from: { type: 'string' },
    prefix: { type: 'string' },
    input: { type: 'string' },
    mode: { type: 'string' },
    backend: { type: 'string' },
    device: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  if (!values.family) throw usage('forward needs --family; see `fusebench families`');
  if (!values.implementation) throw usage('forward needs --implementation (e.g. serial.branchLoop); see `fusebench families`');
  if (!values.input) throw usage("forward needs --input X.safetensors holding the tensor 'input' (and 'probe' in training mode)");
  if (!values.out) throw usage('forward needs --out Y.safetensors');
  const backend = backendOption(values.backend);
  const family = getFamily(values.family);
  assertRunsOn(family, values.implementation, backend);
  const weights = values.weights ? weightsOption(values.weights, values.prefix, err) : undefined;
  const inputs: GivenFile = { path: values.input, content: readSafetensorsFile(values.input) };
  const config = configOption(values.config, values.family, [weights?.file, inputs]);
  const from = fromOption(values.from, values.family, weights?.file);
  const mode = singleMode(values.mode);
  const result = await forwardLayer({
    family: values.family,
    config,
    implementation: values.implementation,
    mode,
    backend,
    ...(weights ? { weights: weights.checkpoint.tensors, counters: weights.checkpoint.counters } : {}),
    ...(from ? { from } : {}),
    seed: intOption('--seed', values.seed) ?? 1,
    inputs: inputs.content.tensors,
    sources: { ...(values.weights ? { weights: values.weights } : {}), inputs: values.input },
    device: deviceOption(values.device),
  });
  writeSafetensorsFile(values.out, result, {
    format: 'fusebench-forward',
    family: family.name,
    config: JSON.stringify(parseConfig(family, config)),
    implementation: values.implementation,
    mode,
    backend,
  });
  const output = result.output!;
  const grads = Object.keys(result).filter((k) => k.startsWith('grad.')).length;
  const state = Object.keys(result).filter((k) => k.startsWith('state.')).length;
  const extra = mode === 'training' ? ` and ${grads} gradients, ${state} running statistics` : '';
  out(`${values.out}: output ${output.shape.join('×')}${extra} (${family.name} ${values.implementation}, ${mode}, ${backend})`);
  return 0;
}
