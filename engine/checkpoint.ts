/**
 * A user's checkpoint as `verify`, `forward` and `convert` take it (docs/pytorch.md): a state dict as
 * PyTorch saves it, whole-model or one layer's. Names are made relative to the layer (a DataParallel /
 * DDP `module.` prefix stripped, `--prefix head.` taking one submodule); BatchNorm's
 * `num_batches_tracked` counters are kept apart (carried, never computed with); anything else that is
 * not a float, or a float that is not finite, is refused by name before any layer runs.
 */
import { FileFormatError } from './core/errors.js';
import { isFloat, type HostTensor, type HostTensors } from './core/host-tensor.js';
import { BATCHES_TRACKED, type PytorchTensor } from './core/pytorch-layout.js';

/** DataParallel and DistributedDataParallel save every name under this prefix. */
const DATA_PARALLEL_PREFIX = 'module.';
const RUNNING_MEAN = '.running_mean';

export interface Checkpoint {
  /** The floating-point tensors, under names relative to the layer. */
  tensors: HostTensors;
  /** BatchNorm counters (`<bn>.num_batches_tracked`), under names relative to the layer. */
  counters: HostTensors;
  /** What was done to the names, to tell the user (a stripped `module.` prefix). */
  notes: string[];
}

/** The first non-finite value of every float tensor, named: a NaN weight or input is bad input, not a result. */
export function assertFinite(tensors: HostTensors, source: string, what: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (!isFloat(t)) continue;
    const values: ArrayLike<number> = t.data;
    let bad = 0;
    let at = -1;
    for (let i = 0; i < values.length; i++) {
      if (Number.isFinite(values[i]!)) continue;
      bad += 1;
      if (at < 0) at = i;
    }
    if (at >= 0) {
      throw new FileFormatError(
        source,
        `${what} '${name}' holds ${bad} non-finite value(s) (${t.data[at]} at flat index ${at}); fix the tensor or the run that wrote it`,
        name,
      );
    }
  }
}

function topLevelNames(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) {
    const head = n.includes('.') ? `${n.slice(0, n.indexOf('.'))}.` : n;
    counts.set(head, (counts.get(head) ?? 0) + 1);
  }
  const shown = [...counts].slice(0, 8).map(([h, c]) => `${h} (${c})`);
  return `${shown.join(', ')}${counts.size > 8 ? ` and ${counts.size - 8} more` : ''}`;
}

/**
 * The layer's part of a state dict. `prefix` (e.g. `head.` or `head`) keeps only the names under it
 * and strips it; a `module.` prefix on every name (DataParallel, DDP) is stripped first, with a note.
 *
 * @example takeCheckpoint(readSafetensorsFile('model.safetensors').tensors, { source: 'model.safetensors', prefix: 'head.' })
 */
export function takeCheckpoint(all: HostTensors, options: { source: string; prefix?: string }): Checkpoint {
  const notes: string[] = [];
  let entries = Object.entries(all);
  if (entries.length > 0 && entries.every(([n]) => n.startsWith(DATA_PARALLEL_PREFIX))) {
    entries = entries.map(([n, t]) => [n.slice(DATA_PARALLEL_PREFIX.length), t]);
    notes.push(`every name began with '${DATA_PARALLEL_PREFIX}' (a DataParallel or DDP checkpoint): read without it`);
  }
  if (options.prefix !== undefined) {
    const prefix = options.prefix.endsWith('.') ? options.prefix : `${options.prefix}.`;
    const under = entries.filter(([n]) => n.startsWith(prefix));
    if (under.length === 0) {
      throw new FileFormatError(
        options.source,
        `holds no tensor under --prefix '${prefix}'; its names begin with ${topLevelNames(entries.map(([n]) => n))}`,
        'prefix',
      );
    }
    entries = under.map(([n, t]) => [n.slice(prefix.length), t]);
    notes.push(`took the ${under.length} tensors under '${prefix}'`);
  }
  const tensors: HostTensors = {};
  const counters: HostTensors = {};
  for (const [name, t] of entries) {
    if (name.endsWith(BATCHES_TRACKED)) counters[name] = t;
    else if (isFloat(t)) tensors[name] = t;
    else {
      throw new FileFormatError(
        options.source,
        `'${name}' is ${t.dtype}: a layer's weights are F32 or F64 (integer tensors are read only as BatchNorm's num_batches_tracked)`,
        name,
      );
    }
  }
  assertFinite(tensors, options.source, 'weight');
  return { tensors, counters, notes };
}

/** The BatchNorms of a form (the prefixes of its `running_mean` buffers), in its own names. */
export function batchNormsOf(form: readonly PytorchTensor[]): string[] {
  return form.filter((t) => t.buffer && t.name.endsWith(RUNNING_MEAN)).map((t) => t.name.slice(0, -RUNNING_MEAN.length));
}

function counterValue(t: HostTensor): bigint {
  if (t.dtype === 'int64') return t.data[0] ?? 0n;
  return BigInt(Math.round(Number(t.data[0] ?? 0)));
}

/**
 * The counters of `form`'s BatchNorms from a checkpoint's (`step`: after that many training steps).
 * A checkpoint's BatchNorms were trained together, so they count alike; where they do not (or a fused
 * BatchNorm stands for several), the largest count is taken and `note` says so. None in, none out:
 * a counter is never made up.
 */
export function countersFor(form: readonly PytorchTensor[], counters: HostTensors, step = 0): { counters: HostTensors; note?: string } {
  const values = Object.values(counters).map(counterValue);
  if (values.length === 0) return { counters: {} };
  const most = values.reduce((a, b) => (b > a ? b : a));
  const out: HostTensors = {};
  for (const bn of batchNormsOf(form))
    out[`${bn}${BATCHES_TRACKED}`] = { dtype: 'int64', shape: [], data: BigInt64Array.of(most + BigInt(step)) };
  const differ = values.some((v) => v !== most);
  return {
    counters: out,
    ...(differ
      ? { note: `num_batches_tracked differed between BatchNorms (${[...new Set(values)].join(', ')}); each now holds ${most}` }
      : {}),
  };
}
