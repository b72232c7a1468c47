import { FileFormatError } from '../../engine/common.js';
import { getFamily, parseConfig } from '../../engine/index.js';
import { readSafetensorsFile, takeCheckpoint, type Checkpoint, type SafetensorsContent } from '../../engine/node.js';
import { jsonOption, usage } from './args.js';

type Out = (text: string) => void;

/** A safetensors file the user gave, with where it came from. */
export interface GivenFile {
  path: string;
  content: SafetensorsContent;
}

/** Whether a file was written by Fusebench for `family` (convert, forward): its metadata then holds the config and layout. */
function ownFile(file: GivenFile | undefined, family: string): file is GivenFile {
  return file !== undefined && file.content.metadata.family === family;
}

/**
 * `--weights W [--prefix P]`: the layer's part of a checkpoint (engine/checkpoint.ts), with what was
 * done to its names said on stderr.
 */
export function weightsOption(path: string, prefix: string | undefined, err: Out): { file: GivenFile; checkpoint: Checkpoint } {
  const content = readSafetensorsFile(path);
  const checkpoint = takeCheckpoint(content.tensors, { source: path, ...(prefix !== undefined ? { prefix } : {}) });
  for (const note of checkpoint.notes) err(`${path}: ${note}`);
  return { file: { path, content }, checkpoint };
}

/**
 * The config: `--config`, else the one a file Fusebench wrote for this family records. Without either
 * a checkpoint cannot be read (its shapes depend on it): exit 2 asking for `--config`.
 */
export function configOption(flag: string | undefined, family: string, files: readonly (GivenFile | undefined)[]): Record<string, unknown> {
  const given = jsonOption('--config', flag);
  if (given) return given;
  const own = files.find((f) => ownFile(f, family) && f.content.metadata.config !== undefined);
  if (own) {
    try {
      return jsonOption('config', own.content.metadata.config)!;
    } catch {
      throw new FileFormatError(own.path, '__metadata__.config is not a JSON object; give --config');
    }
  }
  const example = JSON.stringify(parseConfig(getFamily(family), getFamily(family).small));
  const named = files.filter((f): f is GivenFile => f !== undefined).map((f) => f.path);
  throw usage(
    `give --config: the ${family} config the checkpoint was made with, e.g. '${example}' (${named.length > 0 ? `${named.join(', ')} record${named.length === 1 ? 's' : ''} none` : 'no file records one'}; files written by \`fusebench convert\` do)`,
  );
}

/** The form `--weights` are in: `--from`, else the layout a file `convert` wrote records. */
export function fromOption(flag: string | undefined, family: string, weights: GivenFile | undefined): string | undefined {
  if (flag !== undefined) return flag;
  return ownFile(weights, family) ? weights.content.metadata.layout : undefined;
}
