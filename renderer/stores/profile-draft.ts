/**
 * The sweep editor's model: a profile as the form holds it (text per config key, one entry per family)
 * and the conversions both ways. Pure functions, so the editor store stays small and this is tested alone.
 */
import type { BackendName, FamilyDescriptor, Profile } from '../../main/api';
import type { MeasureSettings } from '../../engine/files/schemas';
import { PROFILE_SCHEMA_VERSION } from '../../engine/files/versions';

export type Mode = Profile['modes'][number];
export const MODES: readonly Mode[] = ['inference', 'training'];

/** The profile schema's defaults (engine/files/schemas.ts), for a new draft. */
export const DEFAULT_MEASURE: MeasureSettings = {
  warmupMs: 200,
  minSamples: 10,
  maxSamples: 50,
  targetCiWidth: 0.1,
  maxMsPerPoint: 5_000,
  seed: 1,
  memory: true,
  minPasses: 2,
  maxPasses: 5,
};

export type NumericMeasureKey = Exclude<keyof MeasureSettings, 'memory'>;
export const MEASURE_FIELDS: readonly { key: NumericMeasureKey; label: string; hint: string; integer: boolean; min: number }[] = [
  { key: 'warmupMs', label: 'Warm-up (ms)', hint: 'time per implementation before sampling; at least 2 calls', integer: false, min: 0 },
  { key: 'minSamples', label: 'Min rounds', hint: 'paired rounds before a point may stop; at least 3', integer: true, min: 3 },
  { key: 'maxSamples', label: 'Max rounds', hint: 'stop here even if the speedup interval is still wide', integer: true, min: 3 },
  {
    key: 'targetCiWidth',
    label: 'Target interval width',
    hint: 'the precision asked of every speedup: its 95% interval across passes narrower than this on the log scale, e.g. 0.1 ≈ ±5%',
    integer: false,
    min: 0,
  },
  { key: 'maxMsPerPoint', label: 'Budget per point (ms)', hint: 'sampling time of one point, all implementations', integer: false, min: 1 },
  { key: 'seed', label: 'Seed', hint: 'weights and inputs of the equivalence gate', integer: true, min: 0 },
  {
    key: 'minPasses',
    label: 'Min passes',
    hint: 'passes per point, each in a fresh engine process, so the interval covers a rerun; rounds and budget are shared between them',
    integer: true,
    min: 1,
  },
  { key: 'maxPasses', label: 'Max passes', hint: 'more passes, up to this many, while a point’s passes disagree', integer: true, min: 1 },
];

export interface FamilyDraft {
  name: string;
  selected: boolean;
  /** Parallel implementations to measure (the serial reference always is). */
  implementations: string[];
  /** This family's own axes/fixed as JSON text, e.g. `{"fixed": {"classesPerGroup": [2, 1, 3]}}`; '' for none. */
  overrides: string;
}

export interface ProfileDraft {
  name: string;
  description: string;
  families: FamilyDraft[];
  backends: BackendName[];
  /** Backends measured only where the host has them (the profile's optionalBackends, kept as opened). */
  optionalBackends: BackendName[];
  modes: Mode[];
  /** Per config key, the values as typed: `1, 2, 4` (swept), `8` (fixed), '' (the family default). */
  values: Record<string, string>;
  measure: Record<NumericMeasureKey, string>;
  memory: boolean;
}

/** An explanation for one form field, keyed like `value.groups`, `measure.seed`, `family.gmp`, `backends`. */
export type FieldErrors = Record<string, string>;

export const VALUES_HINT = 'write values separated by commas, e.g. 1, 2, 4 (a list value in brackets, e.g. [2, 1, 3])';

/** Parses one key's text into its values: JSON values separated by commas. */
export function parseValues(text: string): { ok: true; values: unknown[] } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, values: [] };
  try {
    const values = JSON.parse(`[${trimmed}]`) as unknown[];
    return { ok: true, values };
  } catch {
    return { ok: false, message: `"${trimmed}" is not a list of values: ${VALUES_HINT}` };
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  return typeof value;
}

/** Checks the values of a key against the type of the families' defaults (the engine checks the rules). */
export function checkValueTypes(key: string, values: readonly unknown[], defaults: readonly unknown[]): string | undefined {
  const expected = defaults[0];
  if (expected === undefined) return undefined;
  const want = kindOf(expected);
  const bad = values.find((v) => kindOf(v) !== want);
  if (bad === undefined) return undefined;
  const example = JSON.stringify(expected);
  return `${key}: ${JSON.stringify(bad)} is not a ${want === 'list' ? 'list' : want}; the default is ${example}`;
}

function uniqueValues(values: readonly unknown[]): boolean {
  return new Set(values.map((v) => JSON.stringify(v))).size === values.length;
}

/** Config keys of the selected families, swept-first order (groups, channels, batch), then alphabetical. */
export function configKeys(families: readonly FamilyDraft[], catalog: readonly FamilyDescriptor[]): string[] {
  const keys = new Set<string>();
  for (const f of families) if (f.selected) for (const k of Object.keys(catalog.find((c) => c.name === f.name)?.config ?? {})) keys.add(k);
  const preferred = ['groups', 'channels', 'batch'];
  const rank = (k: string) => (preferred.includes(k) ? preferred.indexOf(k) : preferred.length);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

type ImplementationDetail = FamilyDescriptor['implementationDetails'][number];

/** Whether an implementation runs on at least one of `backends` (one without a `backends` list runs on all). */
export function runsOnAny(detail: ImplementationDetail, backends: readonly string[]): boolean {
  return !detail.backends || detail.backends.some((b) => backends.includes(b));
}

/**
 * A family's parallel implementations; given `backends`, only those that run on at least one of them
 * (a WGSL kernel is offered once webgpu is chosen, and a wasm-only plan never names it).
 */
export function parallelImplementations(descriptor: FamilyDescriptor | undefined, backends?: readonly string[]): string[] {
  if (!descriptor) return [];
  const details = descriptor.implementationDetails;
  if (details?.length) return details.filter((d) => d.role === 'parallel' && (!backends || runsOnAny(d, backends))).map((d) => d.name);
  return descriptor.implementations.filter((n) => n.startsWith('parallel.'));
}

function numberText(value: number): string {
  return String(value);
}

/**
 * The seed's two big rewrites, which the first sweep should answer: twelve bottlenecks on one input
 * fused into one grouped bottleneck, and one Linear per class fused into one batched matmul.
 */
export const HEADLINE_FAMILIES = ['bottleneck', 'class-linear'];

/**
 * class-linear has no `groups`: its branches are the entries of a ragged `classesPerGroup`. The first sweep
 * grows it with groups as the others (the seed's first 1, 2, 4 and 8 groups), so its card too can say
 * from which groups fusing pays.
 */
const FIRST_OVERRIDES: Record<string, string> = {
  'class-linear': JSON.stringify({ axes: { classesPerGroup: [[5], [5, 3], [5, 3, 4, 2], [5, 3, 4, 2, 6, 3, 2, 4]] } }),
};

/** Measurement for the first look: enough rounds for a verdict, short enough to finish in seconds on wasm. */
export const QUICK_MEASURE: MeasureSettings = {
  warmupMs: 20,
  minSamples: 5,
  maxSamples: 30,
  targetCiWidth: 0.1,
  maxMsPerPoint: 300,
  seed: 1,
  memory: true,
  minPasses: 2,
  maxPasses: 5,
};

/**
 * A draft for a new sweep that answers the headline question at once: the seed's two big rewrites at
 * small shapes, groups swept, on wasm and, where the host has it, on PyTorch beside it (TensorFlow.js has
 * no grouped convolution, so a PyTorch user needs PyTorch's answer too); about 10 s on the project's 2-core
 * machines. A host without those families gets its first one.
 */
export function newDraft(catalog: readonly FamilyDescriptor[], available: readonly string[] = []): ProfileDraft {
  const headline = catalog.some((f) => HEADLINE_FAMILIES.includes(f.name));
  const torch = available.includes('torch');
  return {
    name: 'first-answer',
    description: `Does fusing pay? The seed’s two big rewrites (grouped bottleneck, per-class Linear) at small shapes on wasm${torch ? ' and PyTorch' : ''}.`,
    families: catalog.map((f, i) => ({
      name: f.name,
      selected: headline ? HEADLINE_FAMILIES.includes(f.name) : i === 0,
      implementations: parallelImplementations(f),
      overrides: FIRST_OVERRIDES[f.name] ?? '',
    })),
    backends: torch ? ['wasm', 'torch'] : ['wasm'],
    optionalBackends: [],
    modes: ['inference'],
    values: { groups: '1, 2, 4, 8', batch: '1', channels: '16', height: '8', width: '8', groupChannels: '32', classChannels: '16' },
    measure: Object.fromEntries(
      Object.entries(QUICK_MEASURE)
        .filter(([k]) => k !== 'memory')
        .map(([k, v]) => [k, numberText(v as number)]),
    ) as Record<NumericMeasureKey, string>,
    memory: QUICK_MEASURE.memory,
  };
}

function valuesText(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** The form's model of a profile; families the profile leaves out follow, unselected, in catalog order. */
export function draftFromProfile(profile: Profile, catalog: readonly FamilyDescriptor[]): ProfileDraft {
  const families: FamilyDraft[] = profile.families.map((entry) => {
    const spec = typeof entry === 'string' ? { family: entry } : entry;
    const all = parallelImplementations(catalog.find((c) => c.name === spec.family));
    const chosen = spec.implementations ?? profile.implementations;
    const overrides: Record<string, unknown> = {};
    if (spec.axes && Object.keys(spec.axes).length > 0) overrides.axes = spec.axes;
    if (spec.fixed && Object.keys(spec.fixed).length > 0) overrides.fixed = spec.fixed;
    return {
      name: spec.family,
      selected: true,
      implementations: chosen ? all.filter((n) => chosen.includes(n)) : all,
      overrides: Object.keys(overrides).length > 0 ? JSON.stringify(overrides) : '',
    };
  });
  for (const c of catalog) {
    if (!families.some((f) => f.name === c.name))
      families.push({ name: c.name, selected: false, implementations: parallelImplementations(c), overrides: '' });
  }
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(profile.fixed ?? {})) values[k] = JSON.stringify(v);
  for (const [k, v] of Object.entries(profile.axes ?? {})) values[k] = valuesText(v);
  const measure = { ...DEFAULT_MEASURE, ...profile.measure };
  return {
    name: profile.name,
    description: profile.description ?? '',
    families,
    backends: [...(profile.backends ?? ['wasm'])],
    optionalBackends: [...(profile.optionalBackends ?? [])],
    modes: [...(profile.modes ?? ['inference'])],
    values,
    measure: Object.fromEntries(
      Object.entries(measure)
        .filter(([k]) => k !== 'memory')
        .map(([k, v]) => [k, numberText(v as number)]),
    ) as Record<NumericMeasureKey, string>,
    memory: measure.memory,
  };
}

/**
 * The profile a draft describes, or the errors that keep it from being one. A key with one value is
 * fixed, with several it is a swept axis; empty keys take each family's default.
 */
export function profileFromDraft(
  draft: ProfileDraft,
  catalog: readonly FamilyDescriptor[],
): { profile?: Profile; errors: FieldErrors; familyIndex: string[] } {
  const errors: FieldErrors = {};
  if (draft.name.trim() === '') errors.name = 'name: give the sweep a name, e.g. bottleneck-groups';
  const selected = draft.families.filter((f) => f.selected);
  if (selected.length === 0) errors.families = 'families: choose at least one layer family';
  if (draft.backends.length === 0) errors.backends = 'backends: choose at least one backend';
  if (draft.modes.length === 0) errors.modes = 'modes: choose inference, training or both';

  const entries: Profile['families'] = [];
  for (const f of selected) {
    const all = parallelImplementations(
      catalog.find((c) => c.name === f.name),
      draft.backends,
    );
    const chosen = all.filter((n) => f.implementations.includes(n));
    if (all.length > 0 && chosen.length === 0) {
      errors[`family.${f.name}`] = `${f.name}: choose at least one parallel implementation (the serial reference is always measured)`;
    }
    let overrides: { axes?: Record<string, unknown[]>; fixed?: Record<string, unknown> } = {};
    if (f.overrides.trim() !== '') {
      try {
        const parsed = JSON.parse(f.overrides) as unknown;
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        overrides = parsed as typeof overrides;
      } catch {
        errors[`family.${f.name}`] =
          `${f.name}: its own settings must be JSON such as {"fixed": {"channels": 16}, "axes": {"groups": [2, 4]}}`;
      }
    }
    const allChosen = chosen.length === all.length;
    const hasOverrides = overrides.axes !== undefined || overrides.fixed !== undefined;
    if (allChosen && !hasOverrides) entries.push(f.name);
    else
      entries.push({
        family: f.name,
        ...(overrides.axes ? { axes: overrides.axes } : {}),
        ...(overrides.fixed ? { fixed: overrides.fixed } : {}),
        ...(allChosen ? {} : { implementations: chosen }),
      });
  }

  const axes: Record<string, unknown[]> = {};
  const fixed: Record<string, unknown> = {};
  for (const key of configKeys(draft.families, catalog)) {
    const parsed = parseValues(draft.values[key] ?? '');
    if (!parsed.ok) {
      errors[`value.${key}`] = `${key}: ${parsed.message}`;
      continue;
    }
    const defaults = selected.map((f) => catalog.find((c) => c.name === f.name)?.config[key]).filter((v) => v !== undefined);
    const typeError = checkValueTypes(key, parsed.values, defaults);
    if (typeError) errors[`value.${key}`] = typeError;
    else if (!uniqueValues(parsed.values)) errors[`value.${key}`] = `${key}: a value is listed twice; list each value once`;
    else if (parsed.values.length === 1) fixed[key] = parsed.values[0];
    else if (parsed.values.length > 1) axes[key] = parsed.values;
  }

  const measure: Partial<MeasureSettings> = { memory: draft.memory };
  for (const field of MEASURE_FIELDS) {
    const text = (draft.measure[field.key] ?? '').trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) errors[`measure.${field.key}`] = `${field.label}: must be a number (${field.hint})`;
    else if (field.integer && !Number.isInteger(value)) errors[`measure.${field.key}`] = `${field.label}: must be a whole number`;
    else if (value < field.min) errors[`measure.${field.key}`] = `${field.label}: must be at least ${field.min}`;
    else measure[field.key] = value;
  }
  const min = Number(draft.measure.minSamples);
  const max = Number(draft.measure.maxSamples);
  if (!errors['measure.maxSamples'] && !errors['measure.minSamples'] && max < min) {
    errors['measure.maxSamples'] = `Max rounds: must be at least Min rounds (${min})`;
  }

  const familyIndex = selected.map((f) => f.name);
  if (Object.keys(errors).length > 0) return { errors, familyIndex };
  const profile: Profile = {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name: draft.name.trim(),
    description: draft.description,
    families: entries,
    backends: [...draft.backends],
    modes: [...draft.modes],
    axes,
    fixed,
    measure: measure as MeasureSettings,
  };
  const optional = draft.optionalBackends.filter((b) => draft.backends.includes(b));
  if (optional.length > 0) profile.optionalBackends = optional;
  return { profile, errors, familyIndex };
}

/**
 * The segments of a JSON path as hosts send it in `field`.
 *
 * @example pathSegments('families[1].axes.groups') // ['families', 1, 'axes', 'groups']
 */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const open = part.indexOf('[');
    const head = open < 0 ? part : part.slice(0, open);
    if (head) out.push(head);
    if (open >= 0) for (const index of part.slice(open + 1, -1).split('][')) out.push(Number(index));
  }
  return out;
}

const TOP_FIELDS = ['name', 'backends', 'modes', 'families'];

/**
 * A host's message for the form, with one prefix: the host's own `field: ` is dropped (the message
 * starts with it, by the engine's convention) and replaced by the family's name where the path is into
 * a family (`families[1]` → `bottleneck`) or a point's config (`config.channels` → `bottleneck · channels`).
 *
 * @example hostMessage('families[1]', "families[1]: unknown family 'x'", ['gmp', 'x']) // "x: unknown family 'x'"
 */
export function hostMessage(field: string, message: string, familyIndex: readonly string[], family?: string): string {
  const rule = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  const [first, second, ...rest] = pathSegments(field);
  const tail = rest.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.');
  let prefix = field;
  if (first === 'families' && typeof second === 'number') {
    const name = familyIndex[second] ?? `family ${second + 1}`;
    prefix = tail ? `${name} · ${tail}` : name;
  } else if (first === 'config') {
    const key = [second, ...rest].filter((s) => s !== undefined).join('.');
    prefix = family ? `${family} · ${key}` : key;
  }
  return prefix ? `${prefix}: ${rule}` : rule;
}

/**
 * The form field a host error is about, from its `field` (a JSON path into the profile, or into a
 * family's config for invalid points): `config.channels` → `value.channels`, `measure.minSamples` →
 * `measure.minSamples`, `families[1]…` → `family.<name>` (or the config key's row), `axes.groups` →
 * `value.groups`. Undefined for a path with no form field; the editor shows those beside the plan.
 */
export function fieldOfPath(path: string, keys: readonly string[], familyIndex: readonly string[]): string | undefined {
  const [first, second, third, fourth] = pathSegments(path);
  const keyRow = (key: unknown) => (typeof key === 'string' && keys.includes(key) ? `value.${key}` : undefined);
  if (first === 'config') return keyRow(second);
  if (first === 'measure' && typeof second === 'string') return `measure.${second}`;
  if (first === 'axes' || first === 'fixed') return keyRow(second);
  if (first === 'families' && typeof second === 'number') {
    if (third === 'axes' || third === 'fixed') {
      const row = keyRow(fourth);
      if (row) return row;
    }
    const name = familyIndex[second];
    return name ? `family.${name}` : 'families';
  }
  return typeof first === 'string' && TOP_FIELDS.includes(first) ? first : undefined;
}
