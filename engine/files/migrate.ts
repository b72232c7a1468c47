/**
 * Upgrades older file versions step by step to the current one. Each entry turns version N into N + 1;
 * when a format changes, bump its *_SCHEMA_VERSION and add the step here, so files written by every
 * earlier Fusebench keep opening. Version 1 is the first released format, so the chains are empty.
 */
export type Migration = (old: Record<string, unknown>) => Record<string, unknown>;

export const PROFILE_MIGRATIONS: Record<number, Migration> = {};
export const RESULTS_MIGRATIONS: Record<number, Migration> = {};

/** Applies migrations from `from` up to `to`; undefined when a step is missing. */
export function migrate(
  data: Record<string, unknown>,
  from: number,
  to: number,
  steps: Record<number, Migration>,
): Record<string, unknown> | undefined {
  let current = data;
  for (let v = from; v < to; v++) {
    const step = steps[v];
    if (!step) return undefined;
    current = { ...step(current), schemaVersion: v + 1 };
  }
  return current;
}
