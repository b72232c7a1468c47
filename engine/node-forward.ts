/**
 * `fusebench forward`: one layer on given weights and input, in PyTorch names and layouts, on a
 * TensorFlow.js backend or on torch. Node-only (it may start the torch worker).
 */
import { tf } from './core/tf.js';
import { FileFormatError, FusebenchError } from './core/errors.js';
import { parseConfig } from './core/config.js';
import { isFloat, showShape, type HostTensor, type HostTensors } from './core/host-tensor.js';
import { pytorchActivationShape } from './core/pytorch-layout.js';
import { runsOn, type AnyFamily, type Implementation, type Mode, type WeightSet } from './core/types.js';
import { assertFinite, countersFor } from './checkpoint.js';
import { getFamily } from './families/index.js';
import { disposeLayerRun, runLayer } from './run-layer.js';
import {
  activationFromPytorch,
  activationToPytorch,
  checkPytorchTensors,
  disposeWeights,
  toPytorchTensor,
  exportWeights,
  formName,
  gradientsToPytorch,
  loadWeights,
  pytorchForm,
  pytorchLayout,
} from './weights.js';
import type { BackendName } from './core/backend-names.js';
import { useBackend } from './backends/node.js';
import { TorchWorker, type TorchDevice, type TorchLoadOptions } from './torch/worker-process.js';

export interface ForwardRequest {
  family: string;
  /** Raw config (validated here). */
  config: Record<string, unknown>;
  implementation: string;
  mode: Mode;
  backend: BackendName;
  /** Weights under PyTorch names, in the `from` form (serial by default); absent: the seeded init of `seed`. */
  weights?: HostTensors;
  /** The form `weights` are in: `serial` (default) or an implementation's name (a file `convert` wrote). */
  from?: string;
  /** The checkpoint's BatchNorm counters (engine/checkpoint.ts); training writes them one step on. */
  counters?: HostTensors;
  seed?: number;
  /** `input` (PyTorch layout) and, in training, `probe` shaped like the output. */
  inputs: HostTensors;
  /** File names for messages. */
  sources?: { weights?: string; inputs?: string };
  /** torch only. */
  device?: TorchDevice;
  worker?: TorchWorker;
  options?: TorchLoadOptions;
}

function requireTensor(inputs: HostTensors, name: string, shape: number[], source: string, why: string): HostTensor {
  const t = inputs[name];
  if (!t) throw new FileFormatError(source, `has no tensor '${name}' (${why}, ${showShape(shape)})`);
  if (!isFloat(t)) throw new FileFormatError(source, `'${name}' is ${t.dtype}; write it as F32 or F64`);
  if (t.shape.join() !== shape.join()) {
    throw new FileFormatError(source, `'${name}' is ${showShape(t.shape)}, expected ${showShape(shape)} (${why}); check --config`);
  }
  return t;
}

/**
 * Refuses, before anything runs, an implementation the backend does not have: a WGSL kernel named on
 * wasm, a PyTorch-only form on a TensorFlow.js backend. torch's own list is checked by its worker.
 */
export function assertRunsOn(family: AnyFamily, implementation: string, backend: BackendName): void {
  if (backend === 'torch') {
    const known = (family.torch ?? []).map((i) => i.name);
    if (!known.includes(implementation)) {
      throw new FusebenchError(
        `${family.name} has no torch implementation '${implementation}'; use one of ${known.join(', ')}`,
        'usage',
        'implementation',
      );
    }
    return;
  }
  const impl = family.implementations.find((i) => i.name === implementation);
  if (impl && runsOn(impl, backend)) return;
  const here = family.implementations.filter((i) => runsOn(i, backend)).map((i) => i.name);
  const where = impl?.backends ? ` (it runs on ${impl.backends.join(', ')} only)` : '';
  throw new FusebenchError(
    `${family.name} has no ${backend} implementation '${implementation}'${where}; use one of ${here.join(', ')}`,
    'usage',
    'implementation',
  );
}

/**
 * Runs one layer once and returns, in PyTorch names and layouts, `output` and in training mode
 * `grad.input` and `grad.<serial parameter name>` of Σ(output · probe) (BatchNorm on batch statistics)
 * and `state.<serial buffer name>`, the BatchNorm running statistics (and counters) after the step.
 * Weights may be in any form (`from`); a parallel implementation converts them internally.
 *
 * @example const out = await forwardLayer({ family: 'gmp', config: {}, implementation: 'parallel.fusedMax', mode: 'inference', backend: 'cpu', inputs: { input } });
 */
export async function forwardLayer(r: ForwardRequest): Promise<HostTensors> {
  const family = getFamily(r.family);
  const config = parseConfig<object>(family, r.config);
  if (r.mode === 'training') family.trainingRules?.(config);
  assertRunsOn(family, r.implementation, r.backend);
  const layout = pytorchLayout<object>(family);
  const inputsSource = r.sources?.inputs ?? 'inputs';
  const weightsSource = r.sources?.weights ?? 'weights';
  assertFinite(r.inputs, inputsSource, 'input');
  const input = requireTensor(
    r.inputs,
    'input',
    pytorchActivationShape(layout.input, family.inputShape(config)),
    inputsSource,
    'the layer input',
  );
  if (r.weights) {
    assertFinite(r.weights, weightsSource, 'weight');
    const options = { layout: 'pytorch' as const, source: weightsSource, ...(r.from ? { implementation: r.from } : {}) };
    checkPytorchTensors(family, config, r.weights, pytorchForm(family, config, r.from), options);
  }
  // tfjs-cpu also builds seeded weights and moves layouts for torch.
  await useBackend(r.backend === 'torch' ? 'cpu' : r.backend);
  const serialForm = formName(family, r.from) === 'serial';
  // Serial weights go to torch as they are (float64 stays float64: the golden references use it).
  const out =
    r.backend === 'torch' && r.weights && serialForm
      ? await onTorch(r, config, r.weights, input, inputsSource)
      : await onSerialWeights(r, config, input, inputsSource, weightsSource);
  if (r.mode === 'training') {
    for (const [name, t] of Object.entries(countersFor(layout.serial(config), r.counters ?? {}, 1).counters)) out[`state.${name}`] = t;
  }
  return out;
}

/** The layer on serial engine weights (the user's, converted from their form, or the seeded init). */
async function onSerialWeights(
  r: ForwardRequest,
  config: object,
  input: HostTensor,
  inputsSource: string,
  weightsSource: string,
): Promise<HostTensors> {
  const family = getFamily(r.family);
  const serial: WeightSet = r.weights
    ? loadWeights(family, config, r.weights, { layout: 'pytorch', source: weightsSource, ...(r.from ? { implementation: r.from } : {}) })
    : (tf.tidy(() => family.init(config, r.seed ?? 1) as unknown as tf.TensorContainer) as unknown as WeightSet);
  try {
    return r.backend !== 'torch'
      ? onTfjs(r, config, serial, input, inputsSource)
      : await onTorch(r, config, exportWeights(family, config, serial, { layout: 'pytorch' }), input, inputsSource);
  } finally {
    disposeWeights(serial);
  }
}

function onTfjs(r: ForwardRequest, config: object, serial: WeightSet, input: HostTensor, inputsSource: string): HostTensors {
  const family = getFamily(r.family);
  const layout = pytorchLayout<object>(family);
  const impl = (family.implementations as readonly Implementation<object>[]).find((i) => i.name === r.implementation)!;
  const x = activationFromPytorch(input, layout.input);
  let probe: tf.Tensor | undefined;
  try {
    if (r.mode === 'training') {
      const shape = outputShape(impl, serial, config, x);
      probe = activationFromPytorch(
        requireTensor(r.inputs, 'probe', pytorchActivationShape(layout.output, shape), inputsSource, 'training: shaped like the output'),
        layout.output,
      );
    }
    const run = runLayer(impl, serial, config, r.mode, x, probe);
    try {
      const out: HostTensors = { output: activationToPytorch(run.output, layout.output) };
      if (r.mode === 'training') {
        out['grad.input'] = activationToPytorch(run.inputGrad!, layout.input);
        Object.assign(out, gradientsToPytorch(family, config, run.grads!));
        for (const entry of layout.serial(config).filter((t) => t.buffer)) {
          out[`state.${entry.name}`] = toPytorchTensor(run.statistics![entry.engine]!, entry);
        }
      }
      return out;
    } finally {
      disposeLayerRun(run);
    }
  } finally {
    tf.dispose([x, ...(probe ? [probe] : [])]);
  }
}

function outputShape(impl: Implementation<object>, serial: WeightSet, config: object, x: tf.Tensor): number[] {
  const run = runLayer(impl, serial, config, 'inference', x);
  const shape = [...run.output.shape];
  disposeLayerRun(run);
  return shape;
}

async function onTorch(
  r: ForwardRequest,
  config: object,
  weights: HostTensors,
  input: HostTensor,
  inputsSource: string,
): Promise<HostTensors> {
  const family = getFamily(r.family);
  const worker = r.worker ?? (await TorchWorker.start({ device: r.device ?? 'auto' }));
  try {
    const base = {
      family: family.name,
      implementation: r.implementation,
      config,
      weights,
      input,
      ...(r.options ? { options: r.options } : {}),
    };
    let probe: HostTensor | undefined;
    if (r.mode === 'training') {
      // The output's shape comes from the worker itself (an inference load costs one forward).
      const shaped = await worker.load({ ...base, mode: 'inference' });
      await worker.free(shaped.handle);
      probe = requireTensor(r.inputs, 'probe', shaped.outputShape, inputsSource, 'training: shaped like the output');
    }
    const loaded = await worker.load({ ...base, mode: r.mode, ...(probe ? { probe } : {}) });
    try {
      const res = await worker.result(loaded.handle);
      const out: HostTensors = { output: res.output };
      if (r.mode === 'training') {
        out['grad.input'] = res.inputGrad!;
        for (const [k, t] of Object.entries(res.grads)) out[`grad.${k}`] = t;
        for (const [k, t] of Object.entries(res.runningStats)) out[`state.${k}`] = t;
      }
      return out;
    } finally {
      await worker.free(loaded.handle);
    }
  } finally {
    if (!r.worker) await worker.dispose();
  }
}
