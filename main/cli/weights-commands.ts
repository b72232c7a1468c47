import { FileFormatError, type Mode } from '../../engine/common.js';
import { getFamily, parseConfig } from '../../engine/index.js';
import {
  convertCheckpoint,
  forwardLayer,
  readSafetensorsFile,
  useBackend,
  writeSafetensorsFile,
  type SafetensorsContent,
} from '../../engine/node.js';
import { backendOption, deviceOption, intOption, jsonOption, modesOption, parse, usage } from './args.js';

type Out = (text: string) => void;

/** The config: --config, else the one a Fusebench-written file of the same family records in its metadata. */
function configFrom(
  flag: string | undefined,
  family: string,
  file: SafetensorsContent | undefined,
  path: string | undefined,
): Record<string, unknown> | undefined {
  const given = jsonOption('--config', flag);
  if (given || !file?.metadata.config || file.metadata.family !== family) return given;
  try {
    return jsonOption('config', file.metadata.config);
  } catch {
    throw new FileFormatError(path ?? 'weights', `__metadata__.config is not a JSON object; pass --config`);
  }
}

function singleMode(text: string | undefined): Mode {
  return text === undefined ? 'inference' : modesOption(text)[0]!;
}

/** `fusebench convert --family F --config JSON [--from serial|IMPL] --to IMPL|serial IN.safetensors OUT.safetensors` */
export async function convertCommand(argv: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { family: { type: 'string' }, config: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, seed: { type: 'string' } },
    true,
  );
  if (!values.family) throw usage('convert needs --family; see `fusebench families`');
  if (!values.to) throw usage('convert needs --to serial|IMPLEMENTATION (the layout to write)');
  if (positionals.length !== 2) throw usage(`convert needs IN.safetensors OUT.safetensors, got ${positionals.length} file name(s)`);
  const [inPath, outPath] = positionals as [string, string];
  const file = readSafetensorsFile(inPath);
  const config = configFrom(values.config, values.family, file, inPath);
  if (!config) throw usage(`convert needs --config (the config ${inPath} was made with), e.g. '{"groups": 12, "channels": 512}'`);
  await useBackend('cpu');
  const result = convertCheckpoint({
    family: values.family,
    config,
    ...(values.from ? { from: values.from } : {}),
    to: values.to,
    tensors: file.tensors,
    source: inPath,
    seed: intOption('--seed', values.seed) ?? 1,
  });
  const c = result.check;
  const summary = `relErr ${c.relErr.toExponential(2)} of ${c.implementation} on the converted weights against the originals (tolerance ${c.tolerance.toExponential(0)})`;
  if (!c.pass) {
    err(`fusebench convert: not written: the converted weights do not compute the same function: ${summary}`);
    return 1;
  }
  const family = getFamily(values.family);
  const metadata = {
    format: 'fusebench-weights',
    family: family.name,
    config: JSON.stringify(parseConfig(family, config)),
    layout: values.to,
  };
  writeSafetensorsFile(outPath, result.tensors, metadata);
  out(`${inPath} (${values.from ?? 'serial'}) → ${outPath} (${values.to}): ${Object.keys(result.tensors).length} tensors; ${summary}`);
  return 0;
}

/** `fusebench forward --family F --config JSON --implementation IMPL [--weights W] --input X [--mode M] [--backend B] --out Y` */
export async function forwardCommand(argv: string[], out: Out): Promise<number> {
  const { values } = parse(argv, {
    family: { type: 'string' },
    config: { type: 'string' },
    implementation: { type: 'string' },
    weights: { type: 'string' },
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
  const weights = values.weights ? readSafetensorsFile(values.weights) : undefined;
  const inputs = readSafetensorsFile(values.input);
  const config = configFrom(values.config, values.family, weights ?? inputs, values.weights ?? values.input) ?? {};
  const backend = backendOption(values.backend);
  const mode = singleMode(values.mode);
  const result = await forwardLayer({
    family: values.family,
    config,
    implementation: values.implementation,
    mode,
    backend,
    ...(weights ? { weights: weights.tensors } : {}),
    seed: intOption('--seed', values.seed) ?? 1,
    inputs: inputs.tensors,
    sources: { ...(values.weights ? { weights: values.weights } : {}), inputs: values.input },
    device: deviceOption(values.device),
  });
  const family = getFamily(values.family);
  writeSafetensorsFile(values.out, result, {
    format: 'fusebench-forward',
    family: family.name,
    config: JSON.stringify(parseConfig(family, config)),
    implementation: values.implementation,
    mode,
    backend,
  });
  const output = result.output!;
  out(
    `${values.out}: output ${output.shape.join('×')}${mode === 'training' ? ` and ${Object.keys(result).length - 1} gradients` : ''} (${family.name} ${values.implementation}, ${mode}, ${backend})`,
  );
  return 0;
}
