import type { Tensor } from '../core/tf.js';
import type { AnyFamily, Mode, Tensors, WeightSet } from '../core/types.js';
import { activationFromPytorch, activationToPytorch, exportWeights, fromPytorchTensor, pytorchLayout } from '../weights.js';
import type { TorchLoaded } from './messages.js';
import { TorchError, type TorchLoadOptions, type TorchResult, type TorchWorker } from './worker-process.js';

/** A layer to load into the worker, from the engine's own objects. */
export interface EngineLayerRequest<C> {
  family: AnyFamily;
  config: C;
  /** A torch implementation name (worker.info.implementations[family]). */
  implementation: string;
  mode: Mode;
  /** Serial engine weights (e.g. family.init(config, seed)); exported to PyTorch names here. */
  weights: WeightSet;
  /** Engine layout (NHWC for feature maps). */
  input: Tensor;
  /** Training: engine layout, shaped like the output. */
  probe?: Tensor;
  options?: TorchLoadOptions;
}

/**
 * Loads a layer into the worker from engine weights and tensors: names and layouts become PyTorch's,
 * the worker converts serial weights to the implementation's own and creates parameters, input and
 * probe once. Then time it with worker.run(handle, k), read worker.memory(handle), free it.
 *
 * @example const { handle } = await loadEngineLayer(worker, { family, config, implementation: 'parallel.groupedConv', mode, weights, input: x });
 */
export async function loadEngineLayer<C>(worker: TorchWorker, r: EngineLayerRequest<C>): Promise<TorchLoaded> {
  const layout = pytorchLayout<C>(r.family);
  return worker.load({
    family: r.family.name,
    implementation: r.implementation,
    config: r.config as object,
    mode: r.mode,
    weights: exportWeights(r.family, r.config, r.weights, { layout: 'pytorch' }),
    input: activationToPytorch(r.input, layout.input),
    ...(r.probe ? { probe: activationToPytorch(r.probe, layout.output) } : {}),
    ...(r.options ? { options: r.options } : {}),
  });
}

/** A worker result in the engine's names and layouts (new tensors; the caller disposes them). */
export interface EngineResult {
  output: Tensor;
  inputGrad?: Tensor;
  /** Serial engine names. */
  grads: Tensors;
  /** BatchNorm running statistics after the step, serial engine buffer names. */
  runningStats: Tensors;
}

export function resultToEngine<C>(family: AnyFamily, config: C, r: TorchResult): EngineResult {
  const layout = pytorchLayout<C>(family);
  const out: EngineResult = {
    output: activationFromPytorch(r.output, layout.output),
    ...(r.inputGrad ? { inputGrad: activationFromPytorch(r.inputGrad, layout.input) } : {}),
    grads: {},
    runningStats: {},
  };
  const training = r.inputGrad !== undefined;
  for (const entry of layout.serial(config)) {
    const from = entry.buffer ? r.runningStats : r.grads;
    const t = from[entry.name];
    if (!t) {
      if (training) throw new TorchError(`result: no ${entry.buffer ? 'running statistic' : 'gradient'} for '${entry.name}'`);
      continue;
    }
    (entry.buffer ? out.runningStats : out.grads)[entry.engine] = fromPytorchTensor(t, entry);
  }
  return out;
}
