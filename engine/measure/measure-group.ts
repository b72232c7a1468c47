import { tf } from '../core/tf.js';
import type { Implementation, Mode } from '../core/types.js';
import { countElements } from '../core/ops.js';
import { prepare, forward, TrainingSession, type Prepared, type StepResult } from '../core/run.js';
import { getImplementation } from '../families/index.js';
import { drawInputs, disposeInputs, runGate, type GateInputs } from '../equivalence.js';
import { implementationFormulas } from '../formulas.js';
import { deviceIdle } from '../core/device-sync.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { sampleGroup, type Contender } from './sampler.js';
import { kernelTime, memoryPass } from './memory.js';
import { memoryNote, predictedPeakBytes } from './memory-prediction.js';
import { watchMachineLoad } from './machine-load.js';
import { finishGroup, pairingsOf, pointRecord, type Measured, type PointGroup } from './point-record.js';
import { dispatchProfile } from '../kernels/webgpu/dispatch-profile.js';
import { FIRST_PASS, passSettings, type PassSpec } from './passes.js';

export { TRAINING_FLOP_FACTOR, baselineOf, pairingsOf, type PointGroup } from './point-record.js';

/** One implementation ready to time: weights converted and, in training, its variables made, once. */
interface Runner {
  impl: Implementation<object>;
  prepared: Prepared<object>;
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
    // Page faults are counted around it (outside the timed region of the sampler's clock they would not matter).
    contender: {
      name: impl.name,
      run: async (calls) => {
        const faults0 = process.resourceUsage().minorPageFault;
        for (let i = 0; i < calls; i++) tf.dispose(once());
        await deviceIdle();
        return { minorFaults: process.resourceUsage().minorPageFault - faults0 };
      },
    },
    dispose: () => {
      session?.dispose();
      prepared.dispose();
    },
  };
}

/**
 * Measures one pass of a group (DESIGN.md §4.9) on the active TensorFlow.js backend by the method of
 * DESIGN.md §4: in the gated pass the equivalence gate (where the cold first calls are timed); in every
 * pass warm-up and block size and paired rounds until every speedup's interval is narrow enough (the
 * pass's share of the budget, passSettings); in the gated pass kernel time and a separate memory pass;
 * statistics, machine load, page faults. Weights and inputs are drawn from the seed, the same in every
 * pass. Leaves no tensor behind; a leak or a failing call becomes an `error` record for that
 * implementation, an abort a `cancelled` one.
 */
export async function measureGroup(
  group: PointGroup,
  settings: MeasureSettings,
  signal?: AbortSignal,
  pass: PassSpec = FIRST_PASS,
): Promise<PointRecord[]> {
  const { family, config, mode, backend } = group;
  const tensorsBefore = tf.memory().numTensors;
  const machine = watchMachineLoad();
  const inputs = drawInputs(family, config, settings.seed);
  const records: PointRecord[] = [];
  try {
    const gate = pass.gate
      ? await runGate({
          family,
          config,
          mode,
          backend: backend.name,
          seed: settings.seed,
          implementations: group.implementations.slice(1).map((i) => i.name),
          inputs,
        })
      : undefined;
    const checks = new Map(gate?.checks.map((e) => [e.implementation, e]));
    const runners = group.implementations.map((impl) => makeRunner(getImplementation(family, impl.name), inputs, config, mode));
    try {
      const times = await sampleGroup(
        runners.map((r) => r.contender),
        pairingsOf(group.implementations),
        passSettings(settings),
        signal,
      );
      for (const r of runners) {
        const measured: Measured = {
          params: {
            counted: countElements(inputs.serial.trainable),
            formula: family.formulas(config).params,
            stored: countElements(r.prepared.weights.trainable),
          },
          executedFlops: implementationFormulas(family, r.impl.name, config).executedFlops,
          firstCallMs: gate?.firstCallMs.get(r.impl.name),
          equivalence: checks.get(r.impl.name),
          gated: pass.gate,
        };
        if (pass.gate && !times.contenders.get(r.impl.name)?.error && times.stopReason !== 'cancelled') {
          try {
            measured.kernel = await kernelTime(r.once);
            measured.dispatch = await dispatchProfile(r.once);
            if (settings.memory) {
              const pass = await memoryPass(r.once);
              const predicted = predictedPeakBytes(family, r.impl, config, mode, pass.source);
              const note = memoryNote(family, r.impl, config, mode, pass, predicted);
              measured.memory = { ...pass, predictedPeakBytes: predicted, ...(note ? { note } : {}) };
            }
          } catch (e) {
            measured.error = e;
          }
        }
        records.push(pointRecord(group, r.impl, times, measured, settings));
      }
      finishGroup(records, group.implementations, settings.seed, times, machine(), process.pid);
    } finally {
      runners.forEach((r) => r.dispose());
    }
  } finally {
    disposeInputs(inputs);
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) {
    for (const r of records) {
      Object.assign(r, { status: 'error', message: `leaked ${leaked} tensors: a bug in ${family.name}, please report it` });
      for (const k of ['speedup', 'speedupLow', 'speedupHigh', 'verdict'] as const) delete r[k];
    }
  }
  return records;
}
