import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { AnyFamily } from './types.js';

/** A positive whole-number config field with the seed's default and a sanity ceiling. */
export function positiveInt(defaultValue: number, max: number) {
  return z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(defaultValue);
}

/** A non-empty list of positive whole numbers (e.g. classes per attribute group). */
export function positiveIntList(defaultValue: number[], maxEach: number, maxLength: number) {
  return z
    .array(
      z
        .number({ error: 'must be a number' })
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(maxEach, `must be at most ${maxEach}`),
      { error: 'must be a list of whole numbers, e.g. [5, 1, 2]' },
    )
    .min(1, 'must not be empty: give one count per group, e.g. [5, 1, 2]')
    .max(maxLength, `must have at most ${maxLength} entries`)
    .default(defaultValue);
}

/** Largest element count a TensorFlow.js kernel can index (int32). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let here: unknown = raw;
  for (const key of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<PropertyKey, unknown>)[key];
  }
  return here;
}

/**
 * Validates a raw config for a family: fills defaults, checks types, ranges, cross-field rules and
 * that the largest tensor fits. Throws ConfigError naming the field, the rule and the value given.
 *
 * @example parseConfig(getFamily('bottleneck'), { groups: 12, channels: 512 })
 */
export function parseConfig<C extends object>(family: AnyFamily, raw: unknown, where = 'config'): C {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(where, `must be an object such as {"groups": 4}, got ${show(raw)}`);
  }
  const known = Object.keys(family.schema instanceof z.ZodObject ? family.schema.shape : {});
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new ConfigError(`${where}.${key}`, `is not a ${family.name} setting; use one of ${known.join(', ')}`);
    }
  }
  const parsed = family.schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new ConfigError(`${where}${path}`, `${issue.message}, got ${show(valueAt(raw, issue.path))}`);
  }
  const config = parsed.data as C;
  family.rules?.(config);
  for (const impl of family.implementations) {
    const largest = Math.max(
      family.inputShape(config).reduce((a: number, b: number) => a * b, 1),
      ...impl.allocations(config),
    );
    if (largest > MAX_TENSOR_ELEMENTS) {
      throw new ConfigError(
        where,
        `${impl.name} would need a tensor of ${largest.toExponential(2)} elements, over the ${MAX_TENSOR_ELEMENTS} ` +
          'a TensorFlow.js kernel can index; reduce batch, channels, groups, height or width',
      );
    }
  }
  return config;
}

/** Throws unless `value` divides evenly by `by`; names both fields. */
export function requireDivisible(field: string, value: number, byField: string, by: number): void {
  if (value % by !== 0) {
    throw new ConfigError(
      `config.${field}`,
      `must be divisible by ${byField} (${by}), got ${value}; try ${Math.max(by, value - (value % by))}`,
    );
  }
}

/**
 * BatchNorm in training mode normalises with the batch's own statistics. With n values per channel the
 * output keeps only n − 2 degrees of freedom: with 1 it is all zeros (PyTorch refuses it), with 2 it is
 * ±1 whatever the input, so gradients through it are rounding noise (relErr up to 9e-5 seen at n = 2,
 * under 4e-6 from n = 3 on). Below 4 values equivalence cannot be judged.
 */
export const MIN_BATCHNORM_VALUES = 4;

export function requireBatchNormValues(c: { batch: number; height: number; width: number }): void {
  const n = c.batch * c.height * c.width;
  if (n < MIN_BATCHNORM_VALUES) {
    throw new ConfigError(
      'config.batch',
      `in training mode BatchNorm needs batch·height·width ≥ ${MIN_BATCHNORM_VALUES} values per channel, got ${n}; raise batch, height or width`,
    );
  }
}

/** Config fields of a family acting on g groups of a [B, H, W, C] feature map, with the seed's shapes. */
export function groupedMapFields() {
  return {
    batch: positiveInt(32, 65_536),
    groups: positiveInt(12, 1_024),
    channels: positiveInt(512, 65_536),
    height: positiveInt(14, 8_192),
    width: positiveInt(14, 8_192),
  };
}
