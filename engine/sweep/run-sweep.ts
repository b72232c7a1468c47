import { describeError } from '../core/errors.js';
import type { BackendInfo, BackendName } from '../core/backend-names.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { busyPasses, markRetried, mergePasses, needsAnotherPass, quieter, type PassSpec } from '../measure/passes.js';
import { now } from '../core/clock.js';
import { countPoints, type PlannedGroup } from './expand.js';

export interface SweepProgress {
  done: number;
  total: number;
  /** Estimated milliseconds left, from this run's pace; absent before the first measured point. */
  etaMs?: number;
  /** What is being measured now, e.g. `bottleneck · wasm · inference · {"groups":4}`. */
  current?: string;
  /**
   * The plan's own time estimate (engine/sweep/estimate.ts) of the groups this run finished and of those
   * left (groups resumed from a journal in neither), where the run was given estimates: a host turns it
   * into progress by time, corrected by the run's pace, without building the plan itself.
   */
  estimate?: { doneMs: number; leftMs: number };
}

/**
 * Measures one pass of a group (DESIGN.md §4.9): in a process that measured no other pass of the same
 * group (engine/sweep/pass-pool.ts), or in this process where a test checks the sweep's own logic.
 * Returns one record per implementation, in the group's order; an abort gives `cancelled` records or throws.
 */
export type PassMeasurer = (group: PlannedGroup, settings: MeasureSettings, pass: PassSpec, signal?: AbortSignal) => Promise<PointRecord[]>;

export interface SweepOptions {
  groups: PlannedGroup[];
  /** Estimated ms of each group, in the order of `groups`, for progress by time. */
  estimates?: readonly number[];
  settings: MeasureSettings;
  /** Keys of points already finished (from a journal): skipped, counted as done. */
  done?: ReadonlySet<string>;
  /** Says whether a backend can run here (or throws BackendUnavailableError): its groups become errors without one. */
  useBackend: (name: BackendName) => Promise<BackendInfo>;
  /** Measures one pass of a valid group. */
  measure: PassMeasurer;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /**
   * Called once per finished point, in order, before the next group starts (journal it here); `again`
   * when a point already finished was measured again (a busy pass retried at the end of the sweep): its
   * new record replaces the old in the results, while the journal keeps the first for a resume.
   */
  onPoint?: (r: PointRecord, again: boolean) => void;
  /**
   * Test hook: once at least this many points were measured in this run (whole groups), the next group
   * waits for the cancel instead of starting, so a test of cancelling cannot race the sweep's speed
   * (engine/worker/engine-process.ts takes it from a test's entry).
   */
  holdAfterPoints?: number;
  /** Test hook: resolves when the hold may end without a cancel (a test of reattaching lets the sweep finish). */
  releaseHold?: Promise<void>;
}

/** Resolves when `signal` aborts (never, without one). */
function aborted(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

function describeGroup(g: PlannedGroup): string {
  return `${g.family.name} · ${g.backend} · ${g.mode} · ${JSON.stringify(g.config ?? g.raw)}`;
}

function unmeasured(g: PlannedGroup, status: 'invalid' | 'error' | 'cancelled', message: string): PointRecord[] {
  return g.implementations.map((impl, i) => ({
    key: g.keys[i]!,
    family: g.family.name,
    implementation: impl.name,
    role: impl.role,
    mode: g.mode,
    backend: g.backend,
    config: g.config ?? g.raw,
    status,
    message,
    finishedAt: new Date().toISOString(),
  }));
}

/** A measured group: its passes and their merged records. */
interface Measured {
  group: PlannedGroup;
  gated: PointRecord[];
  passes: PointRecord[][];
  records: PointRecord[];
}

function outputBytes(group: PlannedGroup): number {
  return group.family.outputShape(group.config!).reduce((a: number, b: number) => a * b, 1) * 4;
}

const isCancelled = (records: readonly PointRecord[]) => records.some((r) => r.status === 'cancelled');

/**
 * Measures a valid group in passes (DESIGN.md §4.9): the gated first pass, then passes until
 * needsAnotherPass says enough; `cancelled` records when the sweep was cancelled in flight.
 */
async function measureInPasses(group: PlannedGroup, options: SweepOptions, describe: (pass: number) => void): Promise<Measured> {
  const { settings, signal, measure } = options;
  const pass = async (index: number, gate: boolean): Promise<PointRecord[]> => {
    describe(index);
    try {
      return await measure(group, settings, { index, gate }, signal);
    } catch (e) {
      if (signal?.aborted) return unmeasured(group, 'cancelled', CANCELLED);
      throw e;
    }
  };
  const gated = await pass(1, true);
  const passes = [gated];
  let records = mergePasses(group.implementations, gated, passes, outputBytes(group));
  while (!isCancelled(records) && records.some((r) => r.status === 'ok') && needsAnotherPass(records, passes.length, settings)) {
    const next = await pass(passes.length + 1, false);
    if (isCancelled(next)) return { group, gated, passes, records: unmeasured(group, 'cancelled', CANCELLED) };
    passes.push(next);
    records = mergePasses(group.implementations, gated, passes, outputBytes(group));
  }
  return { group, gated, passes, records };
}

/**
 * Measures each busy pass of a group once more (in a process that measured none of its passes) and
 * keeps whichever of the two ran on the quieter machine. Returns the group's new records, or undefined
 * when no retry was quieter (or the sweep was cancelled).
 */
async function retryBusyPasses(m: Measured, options: SweepOptions, describe: (pass: number) => void): Promise<PointRecord[] | undefined> {
  const passes = [...m.passes];
  let changed = false;
  for (const i of busyPasses(m.passes)) {
    if (options.signal?.aborted) break;
    describe(i + 1);
    let retry: PointRecord[];
    try {
      retry = await options.measure(m.group, options.settings, { index: i + 1, gate: false }, options.signal);
    } catch {
      continue;
    }
    if (isCancelled(retry) || !retry.every((r) => r.status === 'ok') || !quieter(retry, passes[i]!)) continue;
    passes[i] = markRetried(retry);
    changed = true;
  }
  return changed ? mergePasses(m.group.implementations, m.gated, passes, outputBytes(m.group)) : undefined;
}

const CANCELLED = 'cancelled before this point finished; --resume measures it again';

/**
 * Runs planned groups in order (grouped by backend), measuring each valid group in passes and
 * recording invalid ones with their reason. A runtime failure (out of memory, a backend that cannot
 * start, a crashed pass process) becomes `error` points and the sweep goes on. At the end, each pass
 * measured on a busy machine is measured once more, and where that run was quieter its points are
 * finished again (`onPoint` sees them a second time, `again`; the later record replaces the earlier). On abort,
 * the group in flight comes back as `cancelled` points and nothing else starts.
 *
 * @example const points = await runSweep({ groups: expandProfile(profile), settings: profile.measure, useBackend, measure });
 */
export async function runSweep(options: SweepOptions): Promise<PointRecord[]> {
  const { signal } = options;
  const done = options.done ?? new Set<string>();
  const estimateOf = new Map(options.estimates ? options.groups.map((g, i) => [g, options.estimates![i] ?? 0]) : []);
  // One backend after another, in the profile's order (wasm before torch in the shipped profiles: the
  // first answers come from the backend that starts fastest); within one, the plan's order.
  const rank = new Map<BackendName, number>();
  for (const g of options.groups) if (!rank.has(g.backend)) rank.set(g.backend, rank.size);
  const order = [...options.groups].sort((a, b) => rank.get(a.backend)! - rank.get(b.backend)!);
  const total = countPoints(order);
  const estimate = options.estimates
    ? { doneMs: 0, leftMs: order.filter((g) => !g.keys.every((k) => done.has(k))).reduce((s, g) => s + estimateOf.get(g)!, 0) }
    : undefined;
  let finished = order.reduce((n, g) => n + g.keys.filter((k) => done.has(k)).length, 0);
  const started = now();
  let measuredHere = 0;
  let released = false;
  const results = new Map<string, PointRecord>();
  const busy: Measured[] = [];
  const backendErrors = new Map<BackendName, string>();
  const progress = (current?: string) => {
    const perPoint = measuredHere > 0 ? (now() - started) / measuredHere : undefined;
    options.onProgress?.({
      done: finished,
      total,
      ...(perPoint !== undefined ? { etaMs: perPoint * (total - finished) } : {}),
      ...(current ? { current } : {}),
      ...(estimate ? { estimate: { ...estimate } } : {}),
    });
  };
  /** A group is finished (measured, invalid or an error): its estimate moves from left to done. */
  const groupDone = (group: PlannedGroup) => {
    if (!estimate) return;
    const e = estimateOf.get(group) ?? 0;
    estimate.doneMs += e;
    estimate.leftMs = Math.max(0, estimate.leftMs - e);
  };
  /** Records a group's points; `again` for points finished once already (a busy pass measured again). */
  const emit = (records: readonly PointRecord[], again = false) => {
    for (const r of records) {
      results.set(r.key, r);
      if (r.status === 'cancelled') continue;
      if (!again) finished += 1;
      options.onPoint?.(r, again);
    }
    progress();
  };
  const describer = (group: PlannedGroup, what: string) => (pass: number) => progress(`${describeGroup(group)} · ${what} ${pass}`);
  progress();
  for (const group of order) {
    if (group.keys.every((k) => done.has(k))) continue;
    if (options.holdAfterPoints !== undefined && measuredHere >= options.holdAfterPoints && !released) {
      await Promise.race([aborted(signal), options.releaseHold ?? new Promise<void>(() => undefined)]);
      released = true;
    }
    if (signal?.aborted) break;
    progress(describeGroup(group));
    if (group.invalid) {
      groupDone(group);
      emit(unmeasured(group, 'invalid', group.invalid));
      continue;
    }
    try {
      if (!backendErrors.has(group.backend)) await options.useBackend(group.backend);
    } catch (e) {
      backendErrors.set(group.backend, describeError(e));
    }
    const backendError = backendErrors.get(group.backend);
    if (backendError) {
      groupDone(group);
      emit(unmeasured(group, 'error', backendError));
      continue;
    }
    try {
      const measured = await measureInPasses(group, options, describer(group, 'pass'));
      if (!isCancelled(measured.records)) groupDone(group);
      emit(measured.records);
      if (!isCancelled(measured.records) && busyPasses(measured.passes).length > 0) busy.push(measured);
    } catch (e) {
      groupDone(group);
      emit(unmeasured(group, 'error', describeError(e)));
    }
    measuredHere += group.keys.length;
  }
  for (const m of busy) {
    if (signal?.aborted) break;
    const again = await retryBusyPasses(m, options, describer(m.group, 'busy, measuring again: pass'));
    if (again) emit(again, true);
  }
  return [...results.values()];
}
