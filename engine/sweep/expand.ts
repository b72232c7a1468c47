import { z } from 'zod';
import { ConfigError, describeError, FusebenchError } from '../core/errors.js';
import { parseConfig } from '../core/config.js';
import type { AnyFamily, Implementation, Mode } from '../core/types.js';
import { FAMILIES, getFamily } from '../families/index.js';
import type { BackendName } from '../backends/backend.js';
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
  /** The field at fault when invalid, a JSON path into the config (`config.groups`). */
  invalidField?: string;
  implementations: readonly Implementation<object>[];
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
    const implementations = chooseImplementations(family, spec.implementations ?? profile.implementations, index);
    for (const point of cartesian([...axes.entries()])) {
      const raw = { ...fixed, ...point };
      let config: Record<string, unknown> | undefined;
      let invalid: string | undefined;
      let invalidField: string | undefined;
      try {
        config = parseConfig<Record<string, unknown>>(family, raw);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        invalid = e.message;
        invalidField = e.field;
      }
      for (const backend of backends) {
        for (const mode of profile.modes) {
          let why = invalid;
          let whyField = invalidField;
          if (!why && mode === 'training') {
            try {
              family.trainingRules?.(config!);
            } catch (e) {
              why = describeError(e);
              whyField = e instanceof ConfigError ? e.field : undefined;
            }
          }
          const effective = config ?? raw;
          groups.push({
            family,
            backend,
            mode,
            raw,
            ...(why ? { invalid: why, ...(whyField ? { invalidField: whyField } : {}) } : { config }),
            implementations,
            keys: implementations.map((i) => pointKey(family.name, i.name, mode, backend, effective)),
          });
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

/**
 * The named implementations, or all of them, plus what their speedups need: the family's reference
 * (always) and each chosen parallel form's baseline (its serial twin with the same primitive).
 */
function chooseImplementations(family: AnyFamily, names: string[] | undefined, index: number): Implementation<object>[] {
  const all = family.implementations as readonly Implementation<object>[];
  if (!names) return [...all];
  const known = all.map((i) => i.name);
  const chosen = all.filter((i) => names.includes(i.name));
  if (!chosen.some((i) => i.role === 'parallel')) {
    throw new FusebenchError(
      `profile.families[${index}] (${family.name}): none of the implementations ${JSON.stringify(names)} exists here; use some of ${known.join(', ')}`,
      'config',
    );
  }
  const needed = new Set([
    all[0]!.name,
    ...chosen.map((i) => i.name),
    ...chosen.filter((i) => i.role === 'parallel').map((i) => i.baseline ?? all[0]!.name),
  ]);
  return all.filter((i) => needed.has(i.name));
}

/** Points in a plan: implementations × groups. */
export function countPoints(groups: PlannedGroup[]): number {
  return groups.reduce((n, g) => n + g.keys.length, 0);
}
