import { canonicalJson } from '../core/point-key.js';
import { hashString, pairedSpeedup, roundRatios } from '../stats/paired.js';

/**
 * Upgrades older file versions step by step to the current one. Each entry turns version N into N + 1;
 * when a format changes, bump its *_SCHEMA_VERSION and add the step here, so files written by every
 * earlier Fusebench keep opening.
 */
export type Migration = (old: Record<string, unknown>) => Record<string, unknown>;

type Json = Record<string, unknown>;

/** Profile 1 → 2: the relIQR stop target gave way to the speedup interval's width (targetCiWidth, default). */
function profileV1(old: Json): Json {
  const measure = { ...((old.measure as Json | undefined) ?? {}) };
  delete measure.targetRelIqr;
  return { ...old, ...(old.measure ? { measure } : {}) };
}

const V1_MEMORY_NOTE = 'measured by Fusebench before results v2: tfjs accounting that counted reshape views as new bytes';
const V1_INTERVAL_NOTE = 'results v1: a ratio of medians, with no interval';

/** One v1 point: renamed and new fields; speedups are redone over the whole file (resultsV1). */
function pointV1(old: Json): Json {
  const point: Json = { ...old };
  const time = old.time as Json | undefined;
  if (time) {
    const { firstCallMs, ...rest } = time;
    point.time = {
      ...rest,
      blockSize: 1,
      ...(typeof firstCallMs === 'number' ? { firstCallMs, firstCallWhere: 'after-gate' } : {}),
    };
  }
  const memory = old.memory as Json | undefined;
  if (memory) {
    const { newBytes: _newBytes, peakBytes, ...rest } = memory;
    point.memory = { ...rest, peakBytes, source: 'tfjs-tensors-v1', tfjsPeakBytes: peakBytes, note: V1_MEMORY_NOTE };
  }
  if (typeof old.speedup === 'number') point.intervalNote = V1_INTERVAL_NOTE;
  return point;
}

/**
 * Results 1 → 2. v1 samples were taken round-robin with the order rotated, so sample i of the serial
 * point and of a parallel one come from the same round while both sampled: their ratios give the
 * paired speedup, interval and verdict of v2. With fewer than 3 such rounds the v1 ratio of medians
 * stays, marked as having no interval.
 */
function resultsV1(old: Json): Json {
  const migrated: Json = { ...old };
  if (old.profile && typeof old.profile === 'object') migrated.profile = { ...profileV1(old.profile as Json), schemaVersion: 2 };
  if (!Array.isArray(old.points)) return migrated;
  const points = (old.points as Json[]).map(pointV1);
  const serialOf = new Map<string, Json>();
  const comparison = (p: Json) => canonicalJson([p.family, p.mode, p.backend, p.config]);
  for (const p of points) if (p.role === 'serial' && p.status === 'ok') serialOf.set(comparison(p), p);
  for (const p of points) {
    if (p.role !== 'parallel' || typeof p.speedup !== 'number') continue;
    const serial = serialOf.get(comparison(p));
    const ratios = roundRatios(
      ((serial?.time as Json | undefined)?.samplesMs as number[] | undefined) ?? [],
      ((p.time as Json | undefined)?.samplesMs as number[] | undefined) ?? [],
    );
    if (serial) p.baseline = serial.implementation;
    if (ratios.length < 3) continue;
    const e = pairedSpeedup(ratios, hashString(String(p.key)));
    Object.assign(p, { speedup: e.speedup, speedupLow: e.speedupLow, speedupHigh: e.speedupHigh, verdict: e.verdict });
    p.intervalNote = `results v1: samples paired by round index (${e.rounds} rounds; v1 let contenders stop at different rounds)`;
  }
  migrated.points = points;
  return migrated;
}

const V2_INTERVAL_NOTE = "results v2: one pass in one process; the interval covers that run's rounds, not a rerun";

/** One v2 point: measured in a single pass, so its interval says nothing of the spread between processes. */
function pointV2(old: Json): Json {
  return typeof old.speedup === 'number' && old.intervalNote === undefined ? { ...old, intervalNote: V2_INTERVAL_NOTE } : old;
}

/** Results 2 → 3: passes in fresh processes (DESIGN.md §4.9); v2 points keep their one-process interval, marked as such. */
function resultsV2(old: Json): Json {
  return Array.isArray(old.points) ? { ...old, points: (old.points as Json[]).map(pointV2) } : old;
}

export const PROFILE_MIGRATIONS: Record<number, Migration> = { 1: profileV1 };
/** Results files and journal headers share one version and one chain (a header has a profile, no points). */
export const RESULTS_MIGRATIONS: Record<number, Migration> = { 1: resultsV1, 2: resultsV2 };
/** Journal lines are points on their own: the per-point part of the results chain. */
export const POINT_MIGRATIONS: Record<number, Migration> = { 1: pointV1, 2: pointV2 };

/** Applies the per-point steps from `from` up to `to` (points carry no schemaVersion of their own). */
export function migratePoint(data: Record<string, unknown>, from: number, to: number): Record<string, unknown> {
  let current = data;
  for (let v = from; v < to; v++) current = POINT_MIGRATIONS[v]?.(current) ?? current;
  return current;
}

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
