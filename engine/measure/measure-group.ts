import { tf } from '../core/tf.js';
import { describeError } from '../core/errors.js';
import type { AnyFamily, Implementation, ImplementationInfo, Mode } from '../core/types.js';
import { getImplementation } from '../families/index.js';
import { countElements } from '../core/ops.js';
import { prepare, forward, TrainingSession, type StepResult } from '../core/run.js';
import { drawInputs, disposeInputs, runGate, type Equivalence, type GateInputs } from '../equivalence.js';
import { implementationFormulas } from '../formulas.js';
import type { BackendInfo } from '../backends/backend.js';
import { TOLERANCES } from '../backends/backend.js';
import { deviceIdle } from '../backends/device-sync.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { summarize } from '../stats/sample-stats.js';
import { hashString, pairedSpeedup, roundRatios } from '../stats/paired.js';
import { sampleGroup, type Contender, type ContenderTimes, type GroupTimes, type Pairing } from './sampler.js';
import { kernelTime, memoryPass, type MemoryPass } from './memory.js';
import { memoryNote, predictedPeakBytes } from './memory-prediction.js';
import { watchMachineLoad, type MachineLoad } from './machine-load.js';
import { pointKey } from './point-key.js';
import { dispatchProfile, type DispatchProfile } from '../backends/webgpu/dispatch-profile.js';

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

/** One implementation ready to time: weights converted and, in training, its variables made, once. */
interface Runner {
  impl: Implementation<object>;
  prepared: ReturnType<typeof prepare<object>>;
  /** One call: a forward pass, or a training step; the tensors are the caller's. */
  once(): tf.TensorContainer;
  contender: Contender;
  dispose(): void;
}

function stepTensors(r: StepResult): tf.Tensor[] {
  return [r.loss, r.inputGrad, ...Object.values(r.grads)];
}

function makeRunner(impl: Implementation<object>, inputs: GateInputs, config: object, mode: Mode): Runner {
  const prepared = prepare(impl, inputs.serial, config);
  const session = mode === 'training' ? new TrainingSession(prepared, inputs.x, inputs.probe, config) : undefined;
  const once = (): tf.TensorContainer => (session ? stepTensors(session.step()) : forward(prepared, inputs.x, config));
  return {
    impl,
    prepared,
    once,
    // A sample: k calls back to back, each result freed as a framework frees it, then the completion wait.
    contender: {
      name: impl.name,
      run: async (calls) => {
        for (let i = 0; i < calls; i++) tf.dispose(once());
        await deviceIdle();
      },
    },
    dispose: () => {
      session?.dispose();
      prepared.dispose();
    },
  };
}

/**
 * Measures a group by the method of DESIGN.md §4: the equivalence gate (where the cold first calls are
 * timed), warm-up and block size, paired rounds until every speedup's interval is narrow enough, kernel
 * time, a separate memory pass, statistics, machine load. Weights and inputs are drawn once and shared
 * by the gate and the timing. Leaves no tensor behind; a leak or a failing call becomes an `error`
 * record for that implementation, an abort a `cancelled` one.
 */
export async function measureGroup(group: PointGroup, settings: MeasureSettings, signal?: AbortSignal): Promise<PointRecord[]> {
  const { family, config, mode, backend } = group;
  const tensorsBefore = tf.memory().numTensors;
  const others = group.implementations.slice(1);
  const machine = watchMachineLoad();
  const inputs = drawInputs(family, config, settings.seed);
  const records: PointRecord[] = [];
  let times: GroupTimes | undefined;
  try {
    const gate = await runGate({
      family,
      config,
      mode,
      backend: backend.name,
      seed: settings.seed,
      implementations: others.map((i) => i.name),
      inputs,
    });
    const checks = new Map(gate.checks.map((e) => [e.implementation, e]));
    const runners = group.implementations.map((impl) => makeRunner(getImplementation(family, impl.name), inputs, config, mode));
    try {
      times = await sampleGroup(
        runners.map((r) => r.contender),
        pairingsOf(group.implementations),
        settings,
        signal,
      );
      for (const r of runners) {
        const t = times.contenders.get(r.impl.name)!;
        let memory: MemoryPass | undefined;
        let kernel: Awaited<ReturnType<typeof kernelTime>>;
        let dispatch: DispatchProfile | undefined;
        let error = t.error;
        if (!error && times.stopReason !== 'cancelled') {
          try {
            kernel = await kernelTime(r.once);
            dispatch = await dispatchProfile(r.once);
            if (settings.memory) memory = await memoryPass(r.once);
          } catch (e) {
            error = e;
          }
        }
        records.push(
          record(
            group,
            r,
            t,
            times,
            { memory, kernel, dispatch, equivalence: checks.get(r.impl.name), firstCallMs: gate.firstCallMs.get(r.impl.name) },
            settings,
            inputs,
            error,
          ),
        );
      }
    } finally {
      runners.forEach((r) => r.dispose());
    }
  } finally {
    disposeInputs(inputs);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) {
    for (const r of records)
      Object.assign(r, { status: 'error', message: `leaked ${leaked} tensors: a bug in ${family.name}, please report it` });
  }
  const load = machine();
  for (const r of records) if (r.status === 'ok') r.machine = load;
  addSpeedups(records, group.implementations, settings.seed);
  return records;
}

interface Measured {
  memory: MemoryPass | undefined;
  kernel: { ms: number; calls: number } | undefined;
  /** WebGPU: dispatches, host µs per dispatch, device time per kernel. */
  dispatch?: DispatchProfile | undefined;
  equivalence: Equivalence | undefined;
  firstCallMs: number | undefined;
}

function record(
  group: PointGroup,
  runner: Runner,
  t: ContenderTimes,
  times: GroupTimes,
  measured: Measured,
  settings: MeasureSettings,
  inputs: GateInputs,
  error: unknown,
): PointRecord {
  const { family, config, mode, backend } = group;
  const impl = runner.impl;
  const formulas = family.formulas(config);
  const implFormulas = implementationFormulas(family, impl.name, config);
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
    params: {
      counted: countElements(inputs.serial.trainable),
      formula: formulas.params,
      stored: countElements(runner.prepared.weights.trainable),
    },
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
    ...(impl.role === 'parallel' ? { baseline: baselineOf(impl, group.implementations[0]!) } : {}),
    finishedAt: new Date().toISOString(),
  };
  if (error) return { ...base, status: 'error', message: describeError(error) };
  if (times.stopReason === 'cancelled' || t.samplesMs.length === 0) {
    return { ...base, status: 'cancelled', message: 'cancelled before this point finished; --resume measures it again' };
  }
  // q1 and q3 stay derivable from the samples; the record keeps the schema's fields only.
  const { q1: _q1, q3: _q3, ...stats } = summarize(t.samplesMs);
  const useful = formulas.flops * flopFactor;
  return {
    ...base,
    status: 'ok',
    ...(equivalence && !equivalence.pass ? { message: equivalence.message } : {}),
    flops: { useful, executed: implFormulas.executedFlops * flopFactor, achievedPerSecond: useful / (stats.medianMs / 1000) },
    ...(measured.memory
      ? {
          memory: (() => {
            const predicted = predictedPeakBytes(family, impl, config, mode, measured.memory.source);
            const note = memoryNote(family, impl, config, mode, measured.memory, predicted);
            return { ...measured.memory, predictedPeakBytes: predicted, ...(note ? { note } : {}) };
          })(),
        }
      : {}),
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
  };
}

/**
 * The paired speedup of every parallel point over its baseline: median of rᵢ = baselineᵢ / parallelᵢ
 * with a bootstrap interval and a verdict; only where both passed the equivalence gate and were timed.
 */
function addSpeedups(records: PointRecord[], implementations: readonly ImplementationInfo[], seed: number): void {
  const byName = new Map(records.map((r) => [r.implementation, r]));
  for (const { parallel, baseline } of pairingsOf(implementations)) {
    const p = byName.get(parallel);
    const b = byName.get(baseline);
    if (p?.status !== 'ok' || b?.status !== 'ok' || !p.time || !b.time) continue;
    if (p.equivalence?.pass !== true || b.equivalence?.pass !== true) continue;
    const ratios = roundRatios(b.time.samplesMs, p.time.samplesMs);
    if (ratios.length === 0) continue;
    const { speedup, speedupLow, speedupHigh, verdict } = pairedSpeedup(ratios, seed ^ hashString(p.key));
    Object.assign(p, { speedup, speedupLow, speedupHigh, verdict });
  }
}

export type { MachineLoad };
