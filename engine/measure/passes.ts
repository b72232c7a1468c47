/**
 * Passes (DESIGN.md §4.9): a point group is measured in several independent passes, each in a fresh
 * engine process, so that its interval covers what a rerun would see. The first pass runs the
 * equivalence gate and the memory pass; every pass warms up and times paired rounds. This module turns
 * the records of a group's passes into its final records: the rounds one pass after another, the
 * speedup and interval of the random-effects model (engine/stats/random-effects.ts), the allocator flag,
 * and says whether the group needs another pass. Pure: no Node, no TensorFlow.js.
 */
import type { ImplementationInfo } from '../core/types.js';
import type { MeasureSettings, PassRecord, PointRecord } from '../files/schemas.js';
import { logWidth } from '../stats/paired.js';
import { combinePasses, passesAgree } from '../stats/random-effects.js';
import { summarize } from '../stats/sample-stats.js';
import { pairingsOf } from './point-record.js';
import { MIN_BUDGET_SAMPLES } from './sampler.js';

/** Which pass of a group to measure: `index` counts from 1; the gated pass checks equivalence and memory. */
export interface PassSpec {
  index: number;
  gate: boolean;
}

/** The first pass of a group. */
export const FIRST_PASS: PassSpec = { index: 1, gate: true };

/** Faults per call differing by more than this factor between passes mark a point allocator-bound. */
export const ALLOCATOR_FAULT_SPREAD = 10;
/** A call faulting in more than one page per this many bytes of its output is allocator-bound. */
export const ALLOCATOR_BYTES_PER_FAULT = 4096;

/**
 * The sampling settings of one pass: the point's rounds and time budget are shared by its first
 * `minPasses` passes, and a pass's own interval may be √minPasses wider than the point's target
 * (passes together narrow it).
 *
 * @example passSettings({ ...s, minPasses: 2, maxSamples: 50 }).maxSamples // 25
 */
export function passSettings(s: MeasureSettings): MeasureSettings {
  const k = s.minPasses;
  const minSamples = Math.max(MIN_BUDGET_SAMPLES, Math.ceil(s.minSamples / k));
  return {
    ...s,
    minSamples,
    maxSamples: Math.max(minSamples, Math.ceil(s.maxSamples / k)),
    maxMsPerPoint: s.maxMsPerPoint / k,
    targetCiWidth: s.targetCiWidth * Math.sqrt(k),
  };
}

const isTimed = (r: PointRecord | undefined): r is PointRecord & { time: NonNullable<PointRecord['time']>; passes: PassRecord[] } =>
  r?.status === 'ok' && r.time !== undefined && r.passes !== undefined;

/** Why a point's time is set by the allocator, or undefined when it is not (see ALLOCATOR_* above). */
export function allocatorNote(passes: readonly PassRecord[], outputBytes: number): string | undefined {
  const faults = passes.map((p) => p.minorFaultsPerCall).filter((f): f is number => f !== undefined);
  if (faults.length === 0) return undefined;
  const most = Math.max(...faults);
  const least = Math.min(...faults);
  const pages = outputBytes / ALLOCATOR_BYTES_PER_FAULT;
  const f = (x: number) => (x >= 10 ? x.toFixed(0) : x.toPrecision(2));
  if (most > pages && most >= 1) {
    return `${f(most)} minor page faults per call for ${f(pages)} pages of output: the allocator hands memory back and takes it again each call, so the time depends on the process's allocator state`;
  }
  if (faults.length >= 2 && most >= 1 && most > ALLOCATOR_FAULT_SPREAD * least) {
    return `minor page faults per call differ ${f(least)}–${f(most)} between passes: each process's allocator state sets this point's time`;
  }
  return undefined;
}

/**
 * One group's final records from its passes. `gated` are the records of the pass that ran the gate
 * (equivalence, memory, first call, kernel time come from it); `passes` are every pass's records in
 * order (a retried pass replaces the busy one). Every list holds the group's implementations in the
 * same order. A point failed in any pass is that failure; the rest are timed over all passes.
 */
export function mergePasses(
  implementations: readonly ImplementationInfo[],
  gated: readonly PointRecord[],
  passes: readonly (readonly PointRecord[])[],
  outputBytes: number,
): PointRecord[] {
  const records = implementations.map((impl, i) => {
    const gate = gated[i]!;
    const own = passes.map((p) => p[i]!);
    const failed = [gate, ...own].find((r) => r.status !== 'ok');
    if (failed) return failed === gate ? gate : { ...stripTiming(gate), status: failed.status, message: failed.message };
    if (!own.every(isTimed) || !isTimed(gate)) return gate;
    return mergeTimed(gate, own, outputBytes);
  });
  combineSpeedups(records, implementations);
  return records;
}

/** A record without anything timed: the identity, counts and gate of a point that failed later. */
function stripTiming(r: PointRecord): PointRecord {
  const { time: _t, passes: _p, machine: _m, speedup: _s, speedupLow: _l, speedupHigh: _h, verdict: _v, flops, ...rest } = r;
  return { ...rest, ...(flops ? { flops: { useful: flops.useful, executed: flops.executed } } : {}) };
}

function mergeTimed(gate: PointRecord, own: readonly PointRecord[], outputBytes: number): PointRecord {
  const samplesMs = own.flatMap((r) => r.time!.samplesMs);
  const { q1: _q1, q3: _q3, ...stats } = summarize(samplesMs);
  const passes = own.flatMap((r) => r.passes!);
  const last = own.at(-1)!.time!;
  const loads = own.map((r) => r.machine!);
  const others = loads.map((l) => l.otherCpuCores).filter((c): c is number => c !== undefined);
  const note = allocatorNote(passes, outputBytes);
  const { speedup: _s, speedupLow: _l, speedupHigh: _h, verdict: _v, ...rest } = gate;
  return {
    ...rest,
    ...(gate.flops ? { flops: { ...gate.flops, achievedPerSecond: gate.flops.useful / (stats.medianMs / 1000) } } : {}),
    time: {
      ...gate.time!,
      samplesMs,
      ...stats,
      warmupCalls: passes.reduce((n, p) => n + p.warmupCalls, 0),
      stopReason: last.stopReason,
    },
    passes,
    machine: {
      loadAvg1: Math.max(...loads.map((l) => l.loadAvg1)),
      ...(others.length > 0 ? { otherCpuCores: Math.max(...others) } : {}),
      busy: passes.some((p) => p.busy),
    },
    ...(note ? { allocatorBound: true, allocatorNote: note } : {}),
  };
}

/** The speedup of every parallel point over its baseline, combined over the passes in which both were timed. */
function combineSpeedups(records: PointRecord[], implementations: readonly ImplementationInfo[]): void {
  const byName = new Map(records.map((r) => [r.implementation, r]));
  for (const { parallel, baseline } of pairingsOf(implementations)) {
    const p = byName.get(parallel);
    const b = byName.get(baseline);
    if (!isTimed(p) || !isTimed(b)) continue;
    if (p.equivalence?.pass !== true || b.equivalence?.pass !== true) continue;
    const own = p.passes.filter(
      (x): x is PassRecord & { speedup: number; speedupLow: number; speedupHigh: number } => x.speedup !== undefined,
    );
    if (own.length === 0) continue;
    const c = combinePasses(own, p.time.n);
    Object.assign(p, { speedup: c.speedup, speedupLow: c.speedupLow, speedupHigh: c.speedupHigh, verdict: c.verdict });
    if (c.betweenPassSd !== undefined) p.betweenPassSd = c.betweenPassSd;
  }
}

/**
 * Whether a group measured in `done` passes needs another: always below `minPasses`, never at
 * `maxPasses`, otherwise while some speedup's passes disagree beyond their within-pass intervals and
 * its combined interval is still wider than `targetCiWidth`.
 */
export function needsAnotherPass(records: readonly PointRecord[], done: number, settings: MeasureSettings): boolean {
  if (done < settings.minPasses) return true;
  if (done >= settings.maxPasses) return false;
  return records.some((r) => {
    if (r.speedupLow === undefined || r.speedupHigh === undefined || !r.passes) return false;
    const own = r.passes.filter(
      (x): x is PassRecord & { speedup: number; speedupLow: number; speedupHigh: number } => x.speedup !== undefined,
    );
    return !passesAgree(own) && logWidth({ speedupLow: r.speedupLow, speedupHigh: r.speedupHigh }) >= settings.targetCiWidth;
  });
}

/** Indexes of the passes measured while the machine was busy (a pass's load is the same on all its records). */
export function busyPasses(passes: readonly (readonly PointRecord[])[]): number[] {
  return passes.flatMap((records, i) => (records.some((r) => r.passes?.[0]?.busy) ? [i] : []));
}

/** Whether `retry` was measured on a quieter machine than `busy` (fewer other processes' cores). */
export function quieter(retry: readonly PointRecord[], busy: readonly PointRecord[]): boolean {
  const load = (records: readonly PointRecord[]) => {
    const p = records.find((r) => r.passes?.[0])?.passes?.[0];
    return p ? (p.busy ? 1 : 0) * 1e6 + (p.otherCpuCores ?? 0) : Infinity;
  };
  return load(retry) < load(busy);
}

/** Marks the records of a pass measured again at the end of the sweep. */
export function markRetried(records: readonly PointRecord[]): PointRecord[] {
  return records.map((r) => (r.passes ? { ...r, passes: r.passes.map((p) => ({ ...p, retried: true })) } : r));
}
