import { countElements } from '../core/ops.js';
import { drawInputs, disposeInputs } from '../equivalence.js';
import { implementationFormulas } from '../formulas.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { sampleGroup, type Contender } from '../measure/sampler.js';
import { watchMachineLoad } from '../measure/machine-load.js';
import { finishGroup, pairingsOf, pointRecord, type Measured, type PointGroup } from '../measure/point-record.js';
import { summarize } from '../stats/sample-stats.js';
import { FIRST_PASS, passSettings, type PassSpec } from '../measure/passes.js';
import { useBackend } from '../backends/node.js';
import { loadEngineLayer } from './layer.js';
import { checkTorchHandle, torchReference, torchTolerance } from './verify-torch.js';
import type { TorchWorker } from './worker-process.js';

/** One torch implementation loaded in the worker, with what its samples reported. */
interface Loaded {
  name: string;
  handle: number;
  storedParams: number;
  firstCallMs: number;
  /** CUDA-event milliseconds per call, one per sample (CUDA only). */
  devicePerCall: number[];
}

/**
 * Measures a group on the PyTorch worker by the same method as the TensorFlow.js backends
 * (DESIGN.md §4), driven from TypeScript: weights and inputs drawn once by the engine; the TypeScript
 * serial reference computed on tfjs-cpu; each torch implementation loaded once (parameters, input and
 * probe made in the worker), its first call timed, then checked against the reference (outputs,
 * gradients, running statistics: a cross-framework gate); paired rounds in which a sample is
 * `worker.run(handle, k)`, timed in Python (wall with a CUDA synchronize; CUDA events beside it);
 * on CUDA, torch.cuda.max_memory_allocated over one call.
 */
export async function measureTorchGroup(
  group: PointGroup,
  settings: MeasureSettings,
  worker: TorchWorker,
  signal?: AbortSignal,
  pass: PassSpec = FIRST_PASS,
): Promise<PointRecord[]> {
  const { family, config, mode } = group;
  // The worker does the work: its CPU is this measurement's, not another process's.
  const machine = watchMachineLoad(worker.pid !== undefined ? [worker.pid] : []);
  // The TypeScript reference runs on the reference backend; the next tfjs group selects its own.
  await useBackend('cpu');
  const inputs = drawInputs(family, config, settings.seed);
  const loaded: Loaded[] = [];
  const records: PointRecord[] = [];
  try {
    const ref = pass.gate ? await torchReference(family, config, mode, inputs) : undefined;
    const tolerance = torchTolerance(worker);
    const checks = new Map<string, Awaited<ReturnType<typeof checkTorchHandle>>>();
    for (const impl of group.implementations) {
      const l = await loadEngineLayer(worker, {
        family,
        config,
        implementation: impl.name,
        mode,
        weights: inputs.serial,
        input: inputs.x,
        probe: inputs.probe,
      });
      const first = await worker.run(l.handle, 1);
      loaded.push({
        name: impl.name,
        handle: l.handle,
        storedParams: Object.values(l.parameters).reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0),
        firstCallMs: first.wallMs,
        devicePerCall: [],
      });
      if (ref) {
        checks.set(
          impl.name,
          await checkTorchHandle(worker, l.handle, ref, {
            family,
            config,
            mode,
            implementation: impl.name,
            seed: settings.seed,
            tolerance,
          }),
        );
      }
    }
    const contenders: Contender[] = loaded.map((l) => ({
      name: l.name,
      run: async (calls) => {
        const t = await worker.run(l.handle, calls);
        if (t.deviceMs !== undefined) l.devicePerCall.push(t.deviceMs / calls);
        return { ms: t.wallMs, ...(t.minorFaults !== undefined ? { minorFaults: t.minorFaults } : {}) };
      },
    }));
    const times = await sampleGroup(contenders, pairingsOf(group.implementations), passSettings(settings), signal);
    for (const l of loaded) {
      const impl = group.implementations.find((i) => i.name === l.name)!;
      const tsTwin = family.implementations.some((i) => i.name === l.name);
      const measured: Measured = {
        params: { counted: countElements(inputs.serial.trainable), formula: family.formulas(config).params, stored: l.storedParams },
        // A PyTorch-only form (grouped conv, einsum) executes the useful FLOPs.
        executedFlops: tsTwin ? implementationFormulas(family, l.name, config).executedFlops : family.formulas(config).flops,
        firstCallMs: pass.gate ? l.firstCallMs : undefined,
        equivalence: checks.get(l.name),
        gated: pass.gate,
        ...(l.devicePerCall.length > 0 ? { kernel: { ms: summarize(l.devicePerCall).medianMs, calls: l.devicePerCall.length } } : {}),
      };
      if (pass.gate && times.stopReason !== 'cancelled' && !times.contenders.get(l.name)?.error) {
        // Where the call's time goes, op by op (after the timing: the profiler's own cost touches no sample).
        const { timing, calls, byOp } = await worker.profile(l.handle, 3);
        measured.ops = { timing, calls, byOp };
      }
      if (pass.gate && settings.memory && times.stopReason !== 'cancelled' && !times.contenders.get(l.name)?.error) {
        const m = await worker.memory(l.handle);
        if (m.peakBytes !== undefined && m.baseBytes !== undefined) {
          measured.memory = {
            peakBytes: m.peakBytes - m.baseBytes,
            source: 'cuda-allocator',
            newTensors: 0,
            kernelCount: 0,
            kernels: [],
            note: 'PyTorch frees intermediates as it goes; the formulas model TensorFlow.js, so there is no prediction',
          };
        }
      }
      records.push(pointRecord(group, impl, times, measured, settings));
    }
    finishGroup(records, group.implementations, settings.seed, times, machine(), worker.pid ?? process.pid);
  } finally {
    for (const l of loaded) await worker.free(l.handle).catch(() => undefined);
    disposeInputs(inputs);
  }
  return records;
}
