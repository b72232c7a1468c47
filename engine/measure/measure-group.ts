import { tf, type Tensor } from '../core/tf.js';
import { describeError } from '../core/errors.js';
import type { AnyFamily, Implementation, Mode } from '../core/types.js';
import { countElements } from '../core/ops.js';
import { prepare, forward, trainingStep, type Prepared } from '../core/run.js';
import { checkEquivalence, randomInput, type Equivalence } from '../equivalence.js';
import { implementationFormulas } from '../formulas.js';
import type { BackendInfo } from '../backends/backend.js';
import { TOLERANCES } from '../backends/backend.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { summarize } from '../report/stats.js';
import { sampleInterleaved, type SampledTimes } from './sampler.js';
import { kernelTime, memoryPass, type MemoryPass } from './memory.js';
import { pointKey } from './point-key.js';

/** One measured unit: every chosen implementation of a family at one config, mode and backend. */
export interface PointGroup {
  family: AnyFamily;
  config: Record<string, unknown>;
  mode: Mode;
  backend: BackendInfo;
  /** The serial reference first, then the parallel implementations to measure. */
  implementations: readonly Implementation<object>[];
}

/**
 * Training mode runs forward + backward: about 3× the forward FLOPs (backward computes gradients for
 * both the input and the weights). Inference is the forward pass alone.
 */
export const TRAINING_FLOP_FACTOR = 3;

/**
 * Measures a group by the method of DESIGN.md §4: equivalence gate, warm-up, interleaved adaptive
 * sampling, kernel time, a separate memory pass, statistics. Leaves no tensor behind; a leak or a
 * failing call becomes an `error` record for that implementation, an abort a `cancelled` one.
 */
export async function measureGroup(group: PointGroup, settings: MeasureSettings, signal?: AbortSignal): Promise<PointRecord[]> {
  const { family, config, mode, backend } = group;
  const tensorsBefore = tf.memory().numTensors;
  const [serialImpl, ...parallel] = group.implementations;
  const gate = new Map<string, Equivalence>();
  for (const e of await checkEquivalence({
    family,
    config,
    mode,
    backend: backend.name,
    seed: settings.seed,
    implementations: parallel.map((i) => i.name),
  })) {
    gate.set(e.implementation, e);
  }

  const serialWeights = tf.tidy(() => family.init(config, settings.seed) as unknown as tf.TensorContainer) as unknown as ReturnType<
    AnyFamily['init']
  >;
  const x = randomInput(family.inputShape(config), settings.seed + 1);
  const prepared = group.implementations.map((impl) => prepare(impl, serialWeights, config));
  const sample = forward(prepared[0]!, x, config, 'inference');
  const probe = randomInput(sample.shape, settings.seed + 2);
  sample.dispose();

  const run = (p: Prepared<object>): tf.TensorContainer => {
    if (mode === 'inference') return forward(p, x, config, mode);
    const r = trainingStep(p, x, probe, config);
    return [r.loss, r.inputGrad, ...Object.values(r.grads)];
  };
  // A sample ends when the device has finished. Reading one element of the last tensor produced (the
  // output; the loss in training, after every gradient kernel was queued) waits for all queued work on
  // a GPU, whose queue runs in order, without timing a download of the whole output (150 MB at the
  // seed's shapes) that would swamp the kernels. On cpu and wasm the work is already done by then.
  const awaitDevice = async (p: Prepared<object>) => {
    const result = run(p);
    const tensors = (Array.isArray(result) ? result : [result]) as Tensor[];
    const last = tensors[0]!;
    const probeElement = tf.tidy(() => tf.slice(tf.reshape(last, [-1]), 0, 1));
    await probeElement.data();
    tf.dispose([probeElement, ...tensors]);
  };

  const records: PointRecord[] = [];
  try {
    const times = await sampleInterleaved(
      prepared.map((p) => ({ name: p.impl.name, call: () => awaitDevice(p) })),
      settings,
      signal,
    );
    for (const p of prepared) {
      const t = times.get(p.impl.name)!;
      let memory: MemoryPass | undefined;
      let kernelMs: number | undefined;
      let error = t.error;
      if (!error && t.stopReason !== 'cancelled') {
        try {
          kernelMs = await kernelTime(() => run(p));
          if (settings.memory) memory = await memoryPass(() => run(p));
        } catch (e) {
          error = e;
        }
      }
      records.push(record(group, p, t, memory, kernelMs, gate.get(p.impl.name), settings, serialWeights, error));
    }
  } finally {
    prepared.forEach((p) => p.dispose());
    tf.dispose([x, probe, ...Object.values(serialWeights.trainable), ...Object.values(serialWeights.buffers)]);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) {
    for (const r of records)
      Object.assign(r, { status: 'error', message: `leaked ${leaked} tensors: a bug in ${family.name}, please report it` });
  }
  addSpeedups(records, serialImpl!.name);
  return records;
}

function record(
  group: PointGroup,
  p: Prepared<object>,
  t: SampledTimes,
  memory: MemoryPass | undefined,
  kernelMs: number | undefined,
  equivalence: Equivalence | undefined,
  settings: MeasureSettings,
  serialWeights: ReturnType<AnyFamily['init']>,
  error: unknown,
): PointRecord {
  const { family, config, mode, backend } = group;
  const formulas = family.formulas(config);
  const impl = implementationFormulas(family, p.impl.name, config);
  const flopFactor = mode === 'training' ? TRAINING_FLOP_FACTOR : 1;
  const base = {
    key: pointKey(family.name, p.impl.name, mode, backend.name, config),
    family: family.name,
    implementation: p.impl.name,
    role: p.impl.role,
    mode,
    backend: backend.name,
    config,
    params: { counted: countElements(serialWeights.trainable), formula: formulas.params, stored: countElements(p.weights.trainable) },
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
    finishedAt: new Date().toISOString(),
  };
  if (error) return { ...base, status: 'error', message: describeError(error) };
  if (t.stopReason === 'cancelled' || t.samplesMs.length === 0) {
    return { ...base, status: 'cancelled', message: 'cancelled before this point finished; --resume measures it again' };
  }
  // q1 and q3 stay derivable from the samples; the record keeps the schema's fields only.
  const { q1: _q1, q3: _q3, ...stats } = summarize(t.samplesMs);
  const useful = formulas.flops * flopFactor;
  return {
    ...base,
    status: 'ok',
    ...(equivalence && !equivalence.pass ? { message: equivalence.message } : {}),
    flops: { useful, executed: impl.executedFlops * flopFactor, achievedPerSecond: useful / (stats.medianMs / 1000) },
    ...(memory
      ? {
          memory: {
            ...memory,
            // Training keeps the forward activations and adds gradients of the same sizes, plus weight gradients.
            predictedPeakBytes: mode === 'inference' ? impl.predictedPeakBytes : 2 * impl.predictedPeakBytes + 4 * impl.storedParams,
          },
        }
      : {}),
    time: {
      samplesMs: t.samplesMs,
      ...stats,
      firstCallMs: t.firstCallMs,
      warmupCalls: t.warmupCalls,
      ...(kernelMs !== undefined ? { kernelMs } : {}),
      kernelTiming: backend.kernelTiming,
      stopReason: t.stopReason,
    },
  };
}

/** speedup = serial median / parallel median, only for parallel points that passed the gate. */
function addSpeedups(records: PointRecord[], serialName: string): void {
  const serial = records.find((r) => r.implementation === serialName);
  if (serial?.status !== 'ok' || !serial.time) return;
  for (const r of records) {
    if (r.role === 'parallel' && r.status === 'ok' && r.time && r.equivalence?.pass) r.speedup = serial.time.medianMs / r.time.medianMs;
  }
}
