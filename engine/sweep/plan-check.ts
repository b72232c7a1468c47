import { z } from 'zod';
import { FusebenchError } from '../core/errors.js';
import type { AnyFamily } from '../core/types.js';
import { FAMILIES } from '../families/index.js';
import { chooseImplementations, knownImplementationNames } from './implementations.js';
import type { BackendName } from '../core/backend-names.js';
import type { Profile } from '../files/schemas.js';
import { DEFAULT_MAX_POINTS, MAX_POINTS_CEILING, suggestion } from '../files/limits.js';

export interface PlanSize {
  /** Points the plan has: implementations × configs × modes × backends, over every family entry. */
  points: number;
  /** The backends it runs on: the override, or the profile's. */
  backends: BackendName[];
}

function configKeys(family: AnyFamily): string[] {
  return Object.keys((family.schema as z.ZodObject).shape);
}

const familyNames = () => FAMILIES.map((f) => f.name);

function plainError(field: string, rule: string): FusebenchError {
  return new FusebenchError(`${field}: ${rule}`, 'config', field);
}

/**
 * Checks a profile's plan before anything is built or run, from the counts alone (never the cartesian
 * product, so a 10¹⁰-point plan is refused at once): every family, implementation, axis and fixed key
 * must exist (the error names the nearest valid one), and the plan must not exceed `maxPoints`.
 * Throws a FusebenchError whose `field` is the JSON path at fault.
 *
 * @example checkPlan(profile).points // 70 for profiles/smoke.profile.json
 */
export function checkPlan(profile: Profile, options: { backend?: BackendName; maxPoints?: number } = {}): PlanSize {
  const backends = options.backend ? [options.backend] : [...profile.backends];
  const entries = profile.families.map((entry) => (typeof entry === 'string' ? { family: entry } : entry));
  const families = entries.map((spec, i) => {
    const family = FAMILIES.find((f) => f.name === spec.family);
    if (!family) throw plainError(`families[${i}]`, `unknown family '${spec.family}'; ${suggestion(spec.family, familyNames())}`);
    return family;
  });

  // A global key must belong to at least one family of the profile: a typo (`grups`) would otherwise
  // be dropped silently and the defaults measured instead.
  const anyKeys = [...new Set(families.flatMap(configKeys))];
  for (const section of ['axes', 'fixed'] as const) {
    for (const key of Object.keys(profile[section])) {
      if (!anyKeys.includes(key))
        throw plainError(`${section}.${key}`, `no family in this profile has a setting '${key}'; ${suggestion(key, anyKeys)}`);
    }
  }
  profile.optionalBackends?.forEach((name, k) => {
    if (!profile.backends.includes(name))
      throw plainError(
        `optionalBackends[${k}]`,
        `'${name}' is not one of backends (${profile.backends.join(', ')}); list it in backends too`,
      );
  });
  const anyImplementations = [...new Set(families.flatMap(knownImplementationNames))];
  profile.implementations?.forEach((name, k) => {
    if (!anyImplementations.includes(name))
      throw plainError(
        `implementations[${k}]`,
        `no family in this profile has an implementation '${name}'; ${suggestion(name, anyImplementations)}`,
      );
  });

  let points = 0;
  entries.forEach((spec, i) => {
    const family = families[i]!;
    const keys = configKeys(family);
    for (const section of ['axes', 'fixed'] as const) {
      for (const key of Object.keys(spec[section] ?? {})) {
        if (!keys.includes(key))
          throw plainError(`families[${i}].${section}.${key}`, `'${key}' is not a ${family.name} setting; ${suggestion(key, keys)}`);
      }
    }
    const known = knownImplementationNames(family);
    spec.implementations?.forEach((name, k) => {
      if (!known.includes(name))
        throw plainError(
          `families[${i}].implementations[${k}]`,
          `'${name}' is not a ${family.name} implementation; ${suggestion(name, known)}`,
        );
    });
    const wanted = spec.implementations ?? profile.implementations;
    const parallelKnown = known.filter((n) => n.startsWith('parallel.'));
    if (wanted && !wanted.some((n) => parallelKnown.includes(n))) {
      throw plainError(
        `families[${i}]`,
        `(${family.name}) none of the implementations ${JSON.stringify(wanted)} is one of its parallel ones; use some of ${parallelKnown.join(', ')}`,
      );
    }
    // A torch sweep of a family the worker has no forms of would plan nothing: say so instead.
    if (backends.includes('torch') && !family.torch?.length) {
      throw plainError(
        `families[${i}]`,
        `${family.name} has no torch implementations; measure it on a TensorFlow.js backend, or give it PyTorch forms (docs/adding-a-family.md)`,
      );
    }
    // Points per config and mode: on each backend, what is measured there and what is recorded as running elsewhere.
    const perConfig = backends.reduce((n, b) => {
      const { implementations, elsewhere } = chooseImplementations(family, b, wanted);
      return n + implementations.length + elsewhere.length;
    }, 0);
    const axes = new Map<string, number>();
    for (const [key, values] of Object.entries(profile.axes)) if (keys.includes(key)) axes.set(key, values.length);
    for (const [key, values] of Object.entries(spec.axes ?? {})) axes.set(key, values.length);
    let configs = 1;
    for (const n of axes.values()) configs *= n;
    points += perConfig * configs * profile.modes.length;
  });

  const limit = Math.min(options.maxPoints ?? DEFAULT_MAX_POINTS, MAX_POINTS_CEILING);
  if (points > limit) {
    const raise =
      points <= MAX_POINTS_CEILING
        ? `or raise the limit with --max-points ${points} (in the app: confirm the size when asked)`
        : `a sweep may have at most ${MAX_POINTS_CEILING.toLocaleString('en')} points even with --max-points`;
    throw new FusebenchError(
      `the sweep has ${points.toLocaleString('en')} points, over the limit of ${limit.toLocaleString('en')}: list fewer axis values, ${raise}`,
      'config',
      'axes',
    );
  }
  return { points, backends };
}
