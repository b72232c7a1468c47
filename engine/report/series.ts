import type { PointRecord, SweepResults } from '../files/schemas.js';
import { canonicalJson } from '../core/point-key.js';
import { formatNumber, formatValue } from './format.js';

export type Mode = PointRecord['mode'];
export type BackendName = PointRecord['backend'];

/** What one set of charts shows: one family in one mode on one backend, against one swept config key. */
export interface View {
  family: string;
  mode: Mode;
  backend: BackendName;
  /** A config key that varies among the family's points, e.g. `groups`. */
  axis: string;
  /**
   * Values at which other swept keys are held, e.g. `{channels: 64, batch: 8}`: only those points are
   * drawn, so each implementation is one line of one colour. A swept key not held splits the lines
   * (one per value, labelled `· batch=8`). Absent: nothing held.
   */
  hold?: Record<string, unknown>;
}

/** One line of a chart: an implementation at fixed values of the swept keys other than the axis. */
export interface Series {
  /** Stable identity: implementation and the other keys' values. */
  key: string;
  /** e.g. `parallel.tile · batch=2`. */
  label: string;
  implementation: string;
  role: PointRecord['role'];
  /** Values of the other swept keys, the same for every point of the series. */
  fixed: Record<string, unknown>;
  /** The series' points (any status), in axis order. */
  points: PointRecord[];
}

/** How axis values map to chart x coordinates: numbers as they are, anything else by category index. */
export type AxisScale = { kind: 'numeric' } | { kind: 'category'; categories: string[] };

/** Axes a chart prefers, in this order, when it has to pick one. */
export const PREFERRED_AXES = ['groups', 'channels', 'batch'] as const;

function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/**
 * Families, modes and backends present in the results, in the order they first appear (sweep order).
 *
 * @example dimensions(results).families // ['bottleneck', 'gmp']
 */
export function dimensions(results: SweepResults): { families: string[]; modes: Mode[]; backends: BackendName[] } {
  return {
    families: distinct(results.points.map((p) => p.family)),
    modes: distinct(results.points.map((p) => p.mode)),
    backends: distinct(results.points.map((p) => p.backend)),
  };
}

function axisOrder(a: string, b: string): number {
  const rank = (k: string) => {
    const i = (PREFERRED_AXES as readonly string[]).indexOf(k);
    return i < 0 ? PREFERRED_AXES.length : i;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Config keys that take more than one value among `points`, preferred axes first. */
export function varyingKeys(points: readonly PointRecord[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const p of points) {
    for (const [k, v] of Object.entries(p.config)) {
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      set.add(canonicalJson(v));
    }
  }
  // A key missing from some points also varies (present vs absent).
  const keys = [...values.keys()].filter((k) => (values.get(k)?.size ?? 0) > 1 || points.some((p) => !(k in p.config)));
  return keys.sort(axisOrder);
}

/**
 * The config keys swept for a family: those that vary among its points (any status, mode or backend).
 *
 * @example sweptAxes(results, 'bottleneck') // ['groups', 'batch']
 */
export function sweptAxes(results: SweepResults, family: string): string[] {
  return varyingKeys(results.points.filter((p) => p.family === family));
}

/** The points a view covers, any status. */
export function viewPoints(results: SweepResults, view: Omit<View, 'axis'>): PointRecord[] {
  return results.points.filter((p) => p.family === view.family && p.mode === view.mode && p.backend === view.backend);
}

/** The points a view draws: its family, mode and backend, at the held values of the other keys. */
export function heldPoints(results: SweepResults, view: View): PointRecord[] {
  const hold = Object.entries(view.hold ?? {}).filter(([k]) => k !== view.axis);
  const points = viewPoints(results, view);
  if (hold.length === 0) return points;
  return points.filter((p) => hold.every(([k, v]) => k in p.config && canonicalJson(p.config[k]) === canonicalJson(v)));
}

/**
 * The values a view holds its other swept keys at by default: each key's largest value (the slice the
 * summary's headline answers, closest to the seed's shapes).
 *
 * @example defaultHold(results, { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups' }) // { batch: 2 }
 */
export function defaultHold(results: SweepResults, view: View): Record<string, unknown> {
  const points = viewPoints(results, view);
  const hold: Record<string, unknown> = {};
  for (const key of varyingKeys(points).filter((k) => k !== view.axis)) {
    const values = points.filter((p) => key in p.config).map((p) => p.config[key]);
    const largest = values.reduce((a, b) => (compareValues(b, a) > 0 ? b : a), values[0]);
    if (largest !== undefined) hold[key] = largest;
  }
  return hold;
}

/** Every value each other swept key takes in a view, sorted: what a "hold other axes at" picker offers. */
export function holdChoices(results: SweepResults, view: View): { key: string; values: unknown[] }[] {
  const points = viewPoints(results, view);
  return varyingKeys(points)
    .filter((k) => k !== view.axis)
    .map((key) => {
      const byJson = new Map<string, unknown>();
      for (const p of points) if (key in p.config) byJson.set(canonicalJson(p.config[key]), p.config[key]);
      return { key, values: [...byJson.values()].sort(compareValues) };
    });
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = formatValue(a);
  const sb = formatValue(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Config keys that say how many branches a point fuses: `groups`, or a ragged grouping's list (one entry per group). */
export const BRANCH_KEYS = ['groups', 'classesPerGroup'] as const;

/**
 * How many branches a point fuses: `groups`, or the length of class-linear's ragged `classesPerGroup`;
 * what the summary's crossover and the cards' `g` count.
 *
 * @example branchCount({ classesPerGroup: [2, 1, 3] }) // 3
 */
export function branchCount(config: Record<string, unknown>): number | undefined {
  if (typeof config.groups === 'number') return config.groups;
  return Array.isArray(config.classesPerGroup) ? config.classesPerGroup.length : undefined;
}

/** The numeric x of a ragged grouping: its branch count, where every list has a length of its own. */
function groupingByCount(values: readonly unknown[]): boolean {
  if (!values.every(Array.isArray)) return false;
  const counts = new Map<number, string>();
  for (const v of values as unknown[][]) {
    const seen = counts.get(v.length);
    if (seen !== undefined && seen !== formatValue(v)) return false;
    counts.set(v.length, formatValue(v));
  }
  return values.length > 0;
}

/**
 * Numeric when every point's axis value is a finite number (or a ragged grouping told apart by its branch
 * count: x is the count), categorical (sorted labels) otherwise.
 */
export function axisScale(points: readonly PointRecord[], axis: string): AxisScale {
  const values = points.filter((p) => axis in p.config).map((p) => p.config[axis]);
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) return { kind: 'numeric' };
  if (axis === 'classesPerGroup' && groupingByCount(values)) return { kind: 'numeric' };
  const categories = distinct(values.map(formatValue)).sort();
  return { kind: 'category', categories };
}

/** The x coordinate of a point on `axis`, or undefined when its config lacks the key. */
export function axisX(point: PointRecord, axis: string, scale: AxisScale): number | undefined {
  if (!(axis in point.config)) return undefined;
  const value = point.config[axis];
  if (scale.kind === 'numeric') return typeof value === 'number' ? value : Array.isArray(value) ? value.length : undefined;
  const i = scale.categories.indexOf(formatValue(value));
  return i < 0 ? undefined : i;
}

/**
 * Groups a view's points into series: one per implementation and combination of the other swept keys'
 * values, serial first, then implementations in sweep order.
 *
 * @example groupSeries(results, { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups' })[0].label
 * // 'serial.branchLoop · batch=1'
 */
export function groupSeries(results: SweepResults, view: View): Series[] {
  const points = heldPoints(results, view);
  const others = varyingKeys(points).filter((k) => k !== view.axis);
  const implOrder = distinct(points.map((p) => p.implementation));
  const byKey = new Map<string, Series>();
  for (const p of points) {
    const fixed = Object.fromEntries(others.filter((k) => k in p.config).map((k) => [k, p.config[k]]));
    const key = canonicalJson([p.implementation, fixed]);
    let series = byKey.get(key);
    if (!series) {
      const suffix = others.filter((k) => k in fixed).map((k) => `${k}=${formatValue(fixed[k])}`);
      const label = [p.implementation, ...suffix].join(' · ');
      byKey.set(key, (series = { key, label, implementation: p.implementation, role: p.role, fixed, points: [] }));
    }
    series.points.push(p);
  }
  const list = [...byKey.values()];
  for (const s of list) s.points.sort((a, b) => compareValues(a.config[view.axis], b.config[view.axis]));
  const rank = (s: Series) => (s.role === 'serial' ? -1 : implOrder.indexOf(s.implementation));
  return list.sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    for (const k of others) {
      const c = compareValues(a.fixed[k], b.fixed[k]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/**
 * The implementations of a view's family, mode and backend (whatever is held), serial first, then in
 * sweep order: the index is the implementation's colour in every chart of the view.
 */
export function implementationOrder(results: SweepResults, view: Omit<View, 'axis'>): string[] {
  const points = viewPoints(results, view);
  const serial = distinct(points.filter((p) => p.role === 'serial').map((p) => p.implementation));
  const parallel = distinct(points.filter((p) => p.role !== 'serial').map((p) => p.implementation));
  return [...serial, ...parallel];
}

/**
 * The points a run finished (any status but `cancelled`: a cancelled point is a place to resume, not a
 * result): the one count the progress, the Results badge and History give.
 */
export function finishedPoints(results: Pick<SweepResults, 'points'>): PointRecord[] {
  return results.points.filter((p) => p.status !== 'cancelled');
}

/** True where a point has a usable latency: status ok and a positive median. */
export function isTimed(point: PointRecord): point is PointRecord & { time: NonNullable<PointRecord['time']> } {
  return point.status === 'ok' && point.time !== undefined && Number.isFinite(point.time.medianMs) && point.time.medianMs > 0;
}

/**
 * Why a point's figures must not be trusted as a like-for-like comparison, or undefined when they can.
 * A parallel point counts only when its equivalence gate passed; serial points are the reference.
 *
 * @example equivalenceFlag(point) // 'not equivalent: relErr 3.2e-3 (tolerance 1e-5)'
 */
export function equivalenceFlag(point: PointRecord): string | undefined {
  const eq = point.equivalence;
  if (eq && !eq.pass) {
    const known = eq.knownDefect ? `; known defect: ${eq.knownDefect}` : '';
    return `not equivalent: relErr ${formatNumber(eq.relErr, 2)} (tolerance ${formatNumber(eq.tolerance, 2)})${known}`;
  }
  if (!eq && point.role === 'parallel' && point.status === 'ok') return 'equivalence not recorded';
  return undefined;
}

/** Wall time above this multiple of device time means the host, not the kernels, sets the pace. */
export const HOST_BOUND_FACTOR = 1.5;

/**
 * Whether a point's wall median exceeds its device-measured kernel time by more than HOST_BOUND_FACTOR:
 * dispatch, allocation or copies outside the kernels dominate (only where kernel time is device time).
 */
export function hostBound(point: PointRecord): boolean {
  const t = point.time;
  return !!t && t.kernelTiming === 'device' && t.kernelMs !== undefined && t.kernelMs > 0 && t.medianMs > HOST_BOUND_FACTOR * t.kernelMs;
}
