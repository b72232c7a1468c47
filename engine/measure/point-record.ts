import { describeError } from '../core/errors.js';
import type { AnyFamily, ImplementationInfo, Mode } from '../core/types.js';
import type { Equivalence } from '../equivalence.js';
import type { BackendInfo } from '../core/backend-names.js';
import { TOLERANCES } from '../core/backend-names.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { summarize } from '../stats/sample-stats.js';
import { hashString, pairedSpeedup, roundRatios } from '../stats/paired.js';
import type { ContenderTimes, GroupTimes, Pairing } from './sampler.js';
import type { MachineLoad } from './machine-load.js';
import { pointKey } from '../core/point-key.js';

/** One measured unit: every chosen implementation of a family at one config, mode and backend. */
export interface PointGroup {
  family: AnyFamily;
  config: Record<string, unknown>;
  mode: Mode;
  backend: BackendInfo;
  /** The family's reference first, then the others to measure (every parallel form's baseline included). */
  implementations: readonly ImplementationInfo[];
}

/**
 * Training mode runs forward + backward: about 3× the forward FLOPs (backward computes gradients for
 * both the input and the weights). Inference is the forward pass alone.
 */
export const TRAINING_FLOP_FACTOR = 3;

/** The serial implementation a parallel one is judged against: its declared twin, else the reference. */
export function baselineOf(impl: ImplementationInfo, reference: ImplementationInfo): string {
  return impl.baseline ?? reference.name;
}

/** Every parallel implementation of the group paired with its baseline. */
export function pairingsOf(implementations: readonly ImplementationInfo[]): Pairing[] {
  const [reference] = implementations;
  return implementations
    .filter((i) => i.role === 'parallel')
    .map((i) => ({ parallel: i.name, baseline: baselineOf(i, reference!) }))
    .filter((p) => implementations.some((i) => i.name === p.baseline));
}

/** What a backend's measurer found for one implementation, beside its timing. */
export interface Measured {
  memory?: NonNullable<PointRecord['memory']>;
  kernel?: { ms: number; calls: number };
  /** WebGPU: dispatches, host µs per dispatch, device time per kernel. */
  dispatch?: NonNullable<PointRecord['dispatch']>;
  /** torch: time per op under torch's profiler. */
  ops?: NonNullable<PointRecord['ops']>;
  equivalence?: Equivalence;
  firstCallMs?: number;
  params: NonNullable<PointRecord['params']>;
  /** This pass ran the equivalence gate (DESIGN.md §4.9: the first pass of a group; later passes only time). */
  gated: boolean;
  /** Forward FLOPs it executes (zeros of block-diagonal kernels included). */
  executedFlops: number;
  error?: unknown;
}

/**
 * The record of one implementation of a measured group: identity, counts, equivalence, statistics of
 * its per-round samples, or `error` / `cancelled` with the reason. Shared by every backend's measurer.
 */
export function pointRecord(
  group: PointGroup,
  impl: ImplementationInfo,
  times: GroupTimes,
  measured: Measured,
  settings: MeasureSettings,
): PointRecord {
  const { family, config, mode, backend } = group;
  const t: ContenderTimes | undefined = times.contenders.get(impl.name);
  const formulas = family.formulas(config);
  const flopFactor = mode === 'training' ? TRAINING_FLOP_FACTOR : 1;
  const equivalence = measured.equivalence;
  const base = {
    key: pointKey(family.name, impl.name, mode, backend.name, config),
    family: family.name,
    implementation: impl.name,
    role: impl.role,
    primitive: impl.primitive,
    mode,
    backend: backend.name,
    config,
    params: measured.params,
    // Only the gated pass checks equivalence; the reference, checked against nothing, passes by definition.
    ...(!measured.gated
      ? {}
      : {
          equivalence: equivalence
            ? {
                relErr: Number.isFinite(equivalence.relErr) ? equivalence.relErr : null,
                maxAbs: Number.isFinite(equivalence.maxAbs) ? equivalence.maxAbs : null,
                pass: equivalence.pass,
                tolerance: equivalence.tolerance,
                seed: equivalence.seed,
                ...(equivalence.knownDefect ? { knownDefect: equivalence.knownDefect } : {}),
              }
            : { relErr: 0, maxAbs: 0, pass: true, tolerance: TOLERANCES[backend.name].forward, seed: settings.seed },
        }),
    ...(impl.role === 'parallel' ? { baseline: baselineOf(impl, group.implementations[0]!) } : {}),
    finishedAt: new Date().toISOString(),
  };
  const error = measured.error ?? t?.error;
  if (error) return { ...base, status: 'error', message: describeError(error) };
  if (!t || times.stopReason === 'cancelled' || t.samplesMs.length === 0) {
    return { ...base, status: 'cancelled', message: 'cancelled before this point finished; --resume measures it again' };
  }
  // q1 and q3 stay derivable from the samples; the record keeps the schema's fields only.
  const { q1: _q1, q3: _q3, ...stats } = summarize(t.samplesMs);
  const useful = formulas.flops * flopFactor;
  return {
    ...base,
    status: 'ok',
    ...(equivalence && !equivalence.pass ? { message: equivalence.message } : {}),
    flops: { useful, executed: measured.executedFlops * flopFactor, achievedPerSecond: useful / (stats.medianMs / 1000) },
    ...(measured.memory ? { memory: measured.memory } : {}),
    time: {
      samplesMs: t.samplesMs,
      ...stats,
      blockSize: t.blockSize,
      ...(measured.firstCallMs !== undefined ? { firstCallMs: measured.firstCallMs, firstCallWhere: 'gate' as const } : {}),
      warmupCalls: t.warmupCalls,
      ...(measured.kernel ? { kernelMs: measured.kernel.ms, kernelCalls: measured.kernel.calls } : {}),
      kernelTiming: backend.kernelTiming,
      stopReason: times.stopReason,
    },
    ...(measured.dispatch ? { dispatch: measured.dispatch } : {}),
    ...(measured.ops ? { ops: measured.ops } : {}),
  };
}

/**
 * Finishes one pass of a group: the machine load and the pass's own entry (`passes`, one) on every
 * measured point, and the paired speedup of every parallel point over its baseline in this pass (median
 * of rᵢ = baselineᵢ / parallelᵢ with a bootstrap interval and a verdict), where both were timed and
 * neither failed a gate this pass ran. engine/measure/passes.ts combines the passes of a group.
 */
export function finishGroup(
  records: PointRecord[],
  implementations: readonly ImplementationInfo[],
  seed: number,
  times: GroupTimes,
  load: MachineLoad,
  pid: number,
): void {
  for (const r of records) {
    if (r.status !== 'ok' || !r.time) continue;
    r.machine = load;
    const t = r.time;
    const faults = times.contenders.get(r.implementation)?.minorFaults;
    r.passes = [
      {
        pid,
        rounds: t.n,
        blockSize: t.blockSize,
        warmupCalls: t.warmupCalls,
        medianMs: t.medianMs,
        stopReason: t.stopReason,
        ...(faults !== undefined ? { minorFaultsPerCall: faults / (t.n * t.blockSize) } : {}),
        busy: load.busy,
        ...(load.otherCpuCores !== undefined ? { otherCpuCores: load.otherCpuCores } : {}),
      },
    ];
  }
  const byName = new Map(records.map((r) => [r.implementation, r]));
  for (const { parallel, baseline } of pairingsOf(implementations)) {
    const p = byName.get(parallel);
    const b = byName.get(baseline);
    if (p?.status !== 'ok' || b?.status !== 'ok' || !p.time || !b.time) continue;
    if (p.equivalence?.pass === false || b.equivalence?.pass === false) continue;
    const ratios = roundRatios(b.time.samplesMs, p.time.samplesMs);
    if (ratios.length === 0) continue;
    const { speedup, speedupLow, speedupHigh, verdict } = pairedSpeedup(ratios, seed ^ hashString(p.key));
    Object.assign(p, { speedup, speedupLow, speedupHigh, verdict });
    Object.assign(p.passes![0]!, { speedup, speedupLow, speedupHigh });
  }
}
