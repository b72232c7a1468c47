import { z } from 'zod';
import { ConfigError, describeError, FusebenchError } from '../core/errors.js';
import { parseConfig } from '../core/config.js';
import type { AnyFamily, ImplementationInfo, Mode } from '../core/types.js';
import { FAMILIES, getFamily, implementationsOn } from '../families/index.js';
import { BACKENDS, type BackendName } from '../backends/backend.js';
import type { Profile } from '../files/schemas.js';
import { pointKey } from '../measure/point-key.js';

/** One group of points to measure together (all its implementations), or to record as invalid. */
export interface PlannedGroup {
  family: AnyFamily;
  backend: BackendName;
  mode: Mode;
  /** The config as the profile gives it (axes and fixed keys over the family's defaults). */
  raw: Record<string, unknown>;
  /** The validated config; absent when invalid. */
  config?: Record<string, unknown>;
  /** Why the config is invalid (names the field and the rule). */
  invalid?: string;
  implementations: readonly ImplementationInfo[];
  /** One point key per implementation, in order. */
  keys: string[];
}

function configKeys(family: AnyFamily): string[] {
  return Object.keys((family.schema as z.ZodObject).shape);
}

function cartesian(axes: [string, unknown[]][]): Record<string, unknown>[] {
  return axes.reduce<Record<string, unknown>[]>(
    (acc, [key, values]) => acc.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v }))),
    [{}],
  );
}

/**
 * Expands a profile into groups: per family, the cartesian product of the axes it has (global axes
 * first, family axes replacing global ones of the same name), × modes × backends. Unknown family or
 * implementation names are profile errors; bad config values become invalid groups, not errors.
 *
 * @example expandProfile(profile).length // groups to measure
 */
export function expandProfile(profile: Profile, backendOverride?: BackendName): PlannedGroup[] {
  const groups: PlannedGroup[] = [];
  const backends = backendOverride ? [backendOverride] : profile.backends;
  profile.families.forEach((entry, index) => {
    const spec = typeof entry === 'string' ? { family: entry } : entry;
    const family = familyOrError(spec.family, index);
    const keys = configKeys(family);
    const pick = (r: Record<string, unknown>) => Object.entries(r).filter(([k]) => keys.includes(k));
    const axes = new Map<string, unknown[]>([...pick(profile.axes), ...Object.entries(spec.axes ?? {})] as [string, unknown[]][]);
    const fixed = { ...Object.fromEntries(pick(profile.fixed)), ...(spec.fixed ?? {}) };
    for (const key of [...axes.keys(), ...Object.keys(spec.fixed ?? {})]) {
      if (!keys.includes(key)) {
        throw new FusebenchError(
          `profile.families[${index}]: '${key}' is not a ${family.name} setting; use one of ${keys.join(', ')}`,
          'config',
        );
      }
    }
    const names = spec.implementations ?? profile.implementations;
    checkImplementationNames(family, names, index);
    for (const point of cartesian([...axes.entries()])) {
      const raw = { ...fixed, ...point };
      let config: Record<string, unknown> | undefined;
      let invalid: string | undefined;
      try {
        config = parseConfig<Record<string, unknown>>(family, raw);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        invalid = e.message;
      }
      for (const backend of backends) {
        const { implementations, elsewhere } = chooseImplementations(family, backend, names);
        for (const mode of profile.modes) {
          let why = invalid;
          if (!why && mode === 'training') {
            try {
              family.trainingRules?.(config!);
            } catch (e) {
              why = describeError(e);
            }
          }
          const effective = config ?? raw;
          const group = (impls: readonly ImplementationInfo[], invalidWhy?: string): PlannedGroup => ({
            family,
            backend,
            mode,
            raw,
            ...(invalidWhy ? { invalid: invalidWhy } : { config }),
            implementations: impls,
            keys: impls.map((i) => pointKey(family.name, i.name, mode, backend, effective)),
          });
          if (implementations.length > 0) groups.push(group(implementations, why));
          // Named implementations that do not run on this backend: recorded, with the reason, not measured.
          if (elsewhere.length > 0) groups.push(group(elsewhere, `does not run on ${backend}; see fusebench families for where it runs`));
        }
      }
    }
  });
  return groups;
}

function familyOrError(name: string, index: number): AnyFamily {
  try {
    return getFamily(name);
  } catch {
    throw new FusebenchError(
      `profile.families[${index}]: unknown family '${name}'; use one of ${FAMILIES.map((f) => f.name).join(', ')}`,
      'config',
    );
  }
}

/** Every implementation name a family has on any backend. */
function knownNames(family: AnyFamily): string[] {
  return [...new Set(BACKENDS.flatMap((b) => implementationsOn(family, b).map((i) => i.name)))];
}

function checkImplementationNames(family: AnyFamily, names: readonly string[] | undefined, index: number): void {
  if (!names) return;
  const known = knownNames(family);
  if (!names.some((n) => n.startsWith('parallel.') && known.includes(n))) {
    throw new FusebenchError(
      `profile.families[${index}] (${family.name}): none of the implementations ${JSON.stringify(names)} is a parallel implementation of ${family.name}; use some of ${known.filter((n) => n.startsWith('parallel.')).join(', ')}`,
      'config',
    );
  }
}

/**
 * On one backend: the named implementations, or all of them, plus what their speedups need (the
 * family's reference and each chosen parallel form's baseline); `elsewhere` holds named
 * implementations that exist only on other backends.
 */
function chooseImplementations(
  family: AnyFamily,
  backend: BackendName,
  names: readonly string[] | undefined,
): { implementations: ImplementationInfo[]; elsewhere: ImplementationInfo[] } {
  const all = implementationsOn(family, backend);
  if (!names) return { implementations: [...all], elsewhere: [] };
  const chosen = all.filter((i) => names.includes(i.name));
  const elsewhere = names
    .filter((n) => !all.some((i) => i.name === n))
    .map((n) => BACKENDS.flatMap((b) => implementationsOn(family, b)).find((i) => i.name === n))
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

/** Points in a plan: implementations × groups. */
export function countPoints(groups: PlannedGroup[]): number {
  return groups.reduce((n, g) => n + g.keys.length, 0);
}
