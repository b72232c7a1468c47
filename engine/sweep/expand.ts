import { z } from 'zod';
import { ConfigError, describeError } from '../core/errors.js';
import { parseConfig } from '../core/config.js';
import type { AnyFamily, ImplementationInfo, Mode } from '../core/types.js';
import { getFamily } from '../families/index.js';
import type { BackendName } from '../core/backend-names.js';
import { MAX_POINTS_CEILING } from '../files/limits.js';
import { chooseImplementations } from './implementations.js';
import { checkPlan } from './plan-check.js';
import type { Profile } from '../files/schemas.js';
import { pointKey } from '../core/point-key.js';

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
 * first, family axes replacing global ones of the same name), × modes × backends. The plan is checked
 * first (engine/sweep/plan-check.ts: unknown names are profile errors naming the nearest valid one,
 * and no plan beyond MAX_POINTS_CEILING is built); bad config values become invalid groups, not errors.
 *
 * @example expandProfile(profile).length // groups to measure
 */
export function expandProfile(profile: Profile, backendOverride?: BackendName): PlannedGroup[] {
  checkPlan(profile, { ...(backendOverride ? { backend: backendOverride } : {}), maxPoints: MAX_POINTS_CEILING });
  return buildPlan(profile, backendOverride ? [backendOverride] : profile.backends);
}

/**
 * The groups of a plan already checked (engine/sweep/plan.ts planSweep): what an engine builds from the
 * plan its host made, without checking it again.
 *
 * @example buildPlan(profile, planSweep(profile).backends)
 */
export function buildPlan(profile: Profile, backends: readonly BackendName[]): PlannedGroup[] {
  const groups: PlannedGroup[] = [];
  profile.families.forEach((entry) => {
    const spec = typeof entry === 'string' ? { family: entry } : entry;
    const family = getFamily(spec.family);
    const keys = configKeys(family);
    const pick = (r: Record<string, unknown>) => Object.entries(r).filter(([k]) => keys.includes(k));
    const axes = new Map<string, unknown[]>([...pick(profile.axes), ...Object.entries(spec.axes ?? {})] as [string, unknown[]][]);
    const fixed = { ...Object.fromEntries(pick(profile.fixed)), ...(spec.fixed ?? {}) };
    const names = spec.implementations ?? profile.implementations;
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
        const { implementations, elsewhere } = chooseImplementations(family, backend, names);
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
          const group = (impls: readonly ImplementationInfo[], invalidWhy?: string): PlannedGroup => ({
            family,
            backend,
            mode,
            raw,
            ...(invalidWhy ? { invalid: invalidWhy, ...(invalidWhy === why && whyField ? { invalidField: whyField } : {}) } : { config }),
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

/** Points in a plan: implementations × groups. */
export function countPoints(groups: PlannedGroup[]): number {
  return groups.reduce((n, g) => n + g.keys.length, 0);
}
