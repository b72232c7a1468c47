import { tf, type Tensor } from '../core/tf.js';
import { FusebenchError } from '../core/errors.js';
import { parseConfig } from '../core/config.js';
import { MODES, type AnyFamily, type Implementation, type Mode, type WeightSet } from '../core/types.js';
import { FAMILIES, getFamily } from '../families/index.js';
import { drawInputs, disposeInputs, type Equivalence, type GateInputs } from '../equivalence.js';
import { disposeLayerRun, runLayer } from '../run-layer.js';
import { vectorError, worstOf, type VectorError } from '../vector-error.js';
import { TOLERANCES } from '../core/backend-names.js';
import { useBackend } from '../backends/node.js';
import { loadEngineLayer, resultToEngine, type EngineResult } from './layer.js';
import { TorchWorker, type TorchDevice, type TorchLoadOptions } from './worker-process.js';

/**
 * On CPU, torch and tfjs-cpu both compute in plain fp32 and agree to a few ulps (worst 2.3e-6 over
 * every family, issue #9); the 1e-5 bound of DESIGN.md §2 holds. On CUDA, TOLERANCES.torch.
 */
export const TORCH_CPU_TOLERANCE = 1e-5;

/** One torch implementation against the TypeScript serial reference on tfjs-cpu. */
export interface TorchEquivalence extends Equivalence {
  /** The torch device, e.g. `cpu` or `cuda:0`. */
  device: string;
  outputRelErr: number;
  /** Training: d input and every serial weight gradient as one vector. */
  gradientRelErr?: number;
  /** Training: BatchNorm running statistics after the step, as one vector (absent without BatchNorm). */
  runningStatsRelErr?: number;
}

export interface TorchVerifyOptions {
  /** One family, or every family when absent. */
  family?: string;
  /** Overrides on top of the family's small shapes (needs `family`). */
  config?: Record<string, unknown>;
  modes?: readonly Mode[];
  seed: number;
  /** Serial weights to check instead of the seeded init (e.g. `--weights`); needs `family`. Not disposed. */
  weights?: WeightSet;
  /** Torch implementations to check; all the worker has by default (its serial ones included). */
  implementations?: readonly string[];
  device?: TorchDevice;
  /** A worker to reuse; otherwise one is started and disposed here. */
  worker?: TorchWorker;
  options?: TorchLoadOptions;
}

async function hostData(ts: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(ts)) out[k] = await t.data<'float32'>();
  return out;
}

/** Reference outcome of the TypeScript serial layer, downloaded once for every torch implementation. */
interface Reference {
  output: Float32Array;
  outputShape: number[];
  grads: Record<string, Float32Array>;
  stats: Record<string, Float32Array>;
}

async function compare(
  ref: Reference,
  got: EngineResult,
  mode: Mode,
): Promise<{ output: VectorError; grads?: VectorError; stats?: VectorError }> {
  if (got.output.shape.join() !== ref.outputShape.join()) {
    return { output: { relErr: Infinity, maxAbs: Infinity, worst: `output shape ${got.output.shape.join('×')}` } };
  }
  const output = vectorError([{ name: 'output', expected: ref.output, actual: await got.output.data<'float32'>() }]);
  if (mode === 'inference') return { output };
  const actual = await hostData({ ...(got.inputGrad ? { input: got.inputGrad } : {}), ...got.grads });
  const grads = vectorError(Object.entries(ref.grads).map(([name, expected]) => ({ name, expected, actual: actual[name] })));
  const statNames = Object.keys(ref.stats);
  if (statNames.length === 0) return { output, grads };
  const gotStats = await hostData(got.runningStats);
  const stats = vectorError(statNames.map((name) => ({ name, expected: ref.stats[name]!, actual: gotStats[name] })));
  return { output, grads, stats };
}

async function reference<C>(family: AnyFamily, config: C, mode: Mode, serial: WeightSet, x: Tensor, probe: Tensor): Promise<Reference> {
  const impl = family.implementations[0] as Implementation<C>;
  // One training step of the serial reference: gradients and the running statistics PyTorch would hold after it.
  const run = runLayer(impl, serial, config, mode, x, probe);
  try {
    return {
      output: await run.output.data<'float32'>(),
      outputShape: [...run.output.shape],
      grads: mode === 'training' ? await hostData({ input: run.inputGrad!, ...run.grads! }) : {},
      stats: await hostData(run.statistics ?? {}),
    };
  } finally {
    disposeLayerRun(run);
  }
}

/**
 * The cross-framework proof: every torch implementation of every family (or the chosen ones) against
 * the TypeScript serial reference on tfjs-cpu, with the same weights (the TypeScript seeded init, or
 * `weights`), input and probe; relErr as in engine/equivalence.ts for outputs and for gradients (one
 * vector), and the BatchNorm running statistics PyTorch holds after a training step.
 *
 * @example const rows = await verifyTorch({ seed: 42 }); rows.every((r) => r.pass)
 */
export async function verifyTorch(options: TorchVerifyOptions): Promise<TorchEquivalence[]> {
  if ((options.config || options.weights) && !options.family) {
    throw new FusebenchError('--config and --weights need --family: they belong to one family', 'usage');
  }
  await useBackend('cpu');
  const worker = options.worker ?? (await TorchWorker.start({ device: options.device ?? 'auto' }));
  const tolerance = torchTolerance(worker);
  const results: TorchEquivalence[] = [];
  try {
    for (const family of options.family ? [getFamily(options.family)] : FAMILIES) {
      const config = parseConfig<object>(family, { ...family.small, ...(options.config ?? {}) });
      const names = (worker.info.implementations[family.name] ?? []).filter(
        (n) => !options.implementations || options.implementations.includes(n),
      );
      for (const mode of options.modes ?? MODES) {
        if (mode === 'training') family.trainingRules?.(config);
        results.push(...(await verifyPoint(worker, family, config, mode, names, options, tolerance)));
      }
    }
  } finally {
    if (!options.worker) await worker.dispose();
  }
  return results;
}

/** The TypeScript reference at one config and mode, downloaded once; every torch implementation is checked against it. */
export type TorchReference = Reference;

/**
 * The TypeScript serial reference on the active tfjs backend (cpu: the reference backend) for the
 * gate's inputs: output, and in training the gradients and running statistics after one step.
 */
export function torchReference<C>(family: AnyFamily, config: C, mode: Mode, inputs: GateInputs): Promise<TorchReference> {
  return reference(family, config, mode, inputs.serial, inputs.x, inputs.probe);
}

/**
 * One loaded torch implementation against the TypeScript reference: its `result` (one call from the
 * loaded running statistics) compared as engine/equivalence.ts compares (outputs; gradients as one
 * vector; running statistics), with the verdict and a replayable message.
 */
export async function checkTorchHandle<C>(
  worker: TorchWorker,
  handle: number,
  ref: TorchReference,
  at: { family: AnyFamily; config: C; mode: Mode; implementation: string; seed: number; tolerance: number },
): Promise<TorchEquivalence> {
  const { family, config, mode, implementation, seed, tolerance } = at;
  const got = resultToEngine(family, config, await worker.result(handle));
  try {
    const errs = await compare(ref, got, mode);
    const parts = [
      { what: 'output', e: errs.output, relErr: errs.output.relErr },
      ...(errs.grads ? [{ what: 'gradient', e: errs.grads, relErr: errs.grads.relErr }] : []),
      ...(errs.stats ? [{ what: 'running statistic', e: errs.stats, relErr: errs.stats.relErr }] : []),
    ];
    const worst = worstOf(parts);
    const relErr = worst.relErr;
    const maxAbs = Math.max(...parts.map((p) => p.e.maxAbs));
    const pass = Number.isFinite(relErr) && relErr <= tolerance;
    const where = worst.what === 'output' ? 'output' : `${worst.what} ${worst.e.worst}`;
    return {
      family: family.name,
      implementation,
      mode,
      backend: 'torch',
      device: worker.info.device,
      relErr,
      maxAbs,
      pass,
      tolerance,
      seed,
      outputRelErr: errs.output.relErr,
      ...(errs.grads ? { gradientRelErr: errs.grads.relErr } : {}),
      ...(errs.stats ? { runningStatsRelErr: errs.stats.relErr } : {}),
      ...(mode === 'training' ? { worst: where } : {}),
      ...(pass
        ? {}
        : {
            message: `torch ${implementation} differs from the TypeScript ${family.implementations[0]!.name} (${mode}, ${worker.info.device}): relErr ${relErr} in ${where} > ${tolerance}; replay with --seed ${seed}`,
          }),
    };
  } finally {
    tf.dispose([got.output, ...(got.inputGrad ? [got.inputGrad] : []), ...Object.values(got.grads), ...Object.values(got.runningStats)]);
  }
}

/** The bound a torch device is held to: plain fp32 on CPU, TOLERANCES.torch on CUDA. */
export function torchTolerance(worker: TorchWorker): number {
  return worker.info.device === 'cpu' ? TORCH_CPU_TOLERANCE : TOLERANCES.torch.forward;
}

async function verifyPoint<C>(
  worker: TorchWorker,
  family: AnyFamily,
  config: C,
  mode: Mode,
  names: string[],
  options: TorchVerifyOptions,
  tolerance: number,
): Promise<TorchEquivalence[]> {
  const seed = options.seed;
  const inputs = drawInputs(family, config as object, seed, options.weights);
  const results: TorchEquivalence[] = [];
  try {
    const ref = await torchReference(family, config, mode, inputs);
    for (const implementation of names) {
      const loaded = await loadEngineLayer(worker, {
        family,
        config,
        implementation,
        mode,
        weights: inputs.serial,
        input: inputs.x,
        probe: inputs.probe,
        ...(options.options ? { options: options.options } : {}),
      });
      try {
        results.push(await checkTorchHandle(worker, loaded.handle, ref, { family, config, mode, implementation, seed, tolerance }));
      } finally {
        await worker.free(loaded.handle);
      }
    }
  } finally {
    disposeInputs(inputs);
  }
  return results;
}
