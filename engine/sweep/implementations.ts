import type { AnyFamily, ImplementationInfo } from '../core/types.js';
import { implementationsOn } from '../families/index.js';
import { BACKENDS, type BackendName } from '../core/backend-names.js';

/** Every implementation name a family has on any backend (TensorFlow.js, WGSL and PyTorch ones). */
export function knownImplementationNames(family: AnyFamily): string[] {
  return [...new Set(BACKENDS.flatMap((b) => implementationsOn(family, b).map((i) => i.name)))];
}

/**
 * On one backend: the named implementations, or all of them, plus what their speedups need (the
 * family's reference and each chosen parallel form's baseline); `elsewhere` holds named
 * implementations that run only on other backends (recorded as invalid there, not measured).
 *
 * @example chooseImplementations(getFamily('gmp'), 'wasm', ['parallel.maxPoolReshape']).implementations.map((i) => i.name)
 * // ['serial.sliceMaxLoop', 'serial.sliceMaxPoolLoop', 'parallel.maxPoolReshape']
 */
export function chooseImplementations(
  family: AnyFamily,
  backend: BackendName,
  names: readonly string[] | undefined,
): { implementations: ImplementationInfo[]; elsewhere: ImplementationInfo[] } {
  const all = implementationsOn(family, backend);
  if (!names) return { implementations: [...all], elsewhere: [] };
  const chosen = all.filter((i) => names.includes(i.name));
  const everywhere = BACKENDS.flatMap((b) => implementationsOn(family, b));
  const elsewhere = names
    .filter((n) => !all.some((i) => i.name === n))
    .map((n) => everywhere.find((i) => i.name === n))
    .filter((i): i is ImplementationInfo => i !== undefined);
  if (!chosen.some((i) => i.role === 'parallel')) return { implementations: [], elsewhere };
  const reference = all[0]!.name;
  const needed = new Set([
    reference,
    ...chosen.map((i) => i.name),
    ...chosen.filter((i) => i.role === 'parallel').map((i) => i.baseline ?? reference),
  ]);
  return { implementations: all.filter((i) => needed.has(i.name)), elsewhere };
}
