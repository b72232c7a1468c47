/**
 * Weights in and out of the engine in PyTorch's names and layouts (docs/pytorch.md). Files and the
 * torch worker speak PyTorch; the engine keeps its own names (`b0.conv1`) and layouts (HWIO, [in, out]).
 * The mapping is each family's `pytorch` property (engine/core/pytorch-layout.ts).
 */
import { tf, type Tensor } from './core/tf.js';
import { FileFormatError, FusebenchError } from './core/errors.js';
import { fromTensor, isFloat, showShape, toTensor, type HostTensor, type HostTensors } from './core/host-tensor.js';
import { parseConfig } from './core/config.js';
import {
  BATCHES_TRACKED,
  activationPermutation,
  inversePermutation,
  type ActivationLayout,
  type PytorchLayout,
  type PytorchTensor,
} from './core/pytorch-layout.js';
import type { AnyFamily, Implementation, Tensors, WeightSet } from './core/types.js';

export interface PytorchWeightsOptions {
  layout: 'pytorch';
  /**
   * The form the tensors are in: absent or any `serial.*` for the serial form (the seed's module
   * names), else a parallel implementation's name (TypeScript or torch-only, e.g. `parallel.groupedConv`).
   */
  implementation?: string;
  /** Where the tensors came from, for error messages (a file name). */
  source?: string;
}

/** The PyTorch form of one implementation: its tensors and the TypeScript implementation that holds them. */
export interface PytorchForm<C> {
  tensors: PytorchTensor[];
  via: Implementation<C>;
}

export function pytorchLayout<C>(family: AnyFamily): PytorchLayout<C> {
  if (!family.pytorch) throw new FusebenchError(`family ${family.name} has no PyTorch names yet (docs/pytorch.md)`, 'usage');
  return family.pytorch as PytorchLayout<C>;
}

/** Every form a family's weights can be in, for messages and `--to`: serial plus each parallel layout. */
export function pytorchFormNames(family: AnyFamily): string[] {
  return ['serial', ...Object.keys(pytorchLayout(family).parallel)];
}

const shared = new Map<string, string>();

/** Whether two weight sets hold the same tensors (names, shapes, values). */
function sameWeights(a: WeightSet, b: WeightSet): boolean {
  const flat = (w: WeightSet) => ({ ...w.trainable, ...w.buffers });
  const [x, y] = [flat(a), flat(b)];
  const names = Object.keys(x);
  if (names.length !== Object.keys(y).length) return false;
  return names.every((n) => {
    const [s, t] = [x[n], y[n]];
    if (!s || !t || s.shape.join() !== t.shape.join()) return false;
    const [u, v] = [s.dataSync(), t.dataSync()];
    return u.every((value, i) => value === v[i]);
  });
}

/**
 * The PyTorch form a TypeScript implementation without one of its own keeps its weights in: the form
 * whose implementation converts serial weights to exactly the same tensors (the WGSL kernels keep
 * another form's weights). Found by converting the family's small init both ways, so there is no list
 * to keep in step; undefined when no form matches.
 */
export function sharedForm(family: AnyFamily, implementation: string): string | undefined {
  const key = `${family.name}/${implementation}`;
  if (shared.has(key)) return shared.get(key) || undefined;
  const impls = family.implementations as readonly Implementation<object>[];
  const impl = impls.find((i) => i.name === implementation);
  const layout = pytorchLayout<object>(family);
  let found = '';
  if (impl) {
    const config = parseConfig<object>(family, family.small);
    const init = family.init(config, 1);
    const convert = (i: Implementation<object>) =>
      tf.tidy(() => i.toParallel(init, config) as unknown as tf.TensorContainer) as unknown as WeightSet;
    const mine = convert(impl);
    try {
      const candidates: [string, Implementation<object>][] = [
        ['serial', impls[0]!],
        ...Object.entries(layout.parallel).flatMap(([name, p]) => {
          const via = impls.find((i) => i.name === p.via);
          return via ? [[name, via] as [string, Implementation<object>]] : [];
        }),
      ];
      for (const [name, via] of candidates) {
        const theirs = convert(via);
        const same = sameWeights(mine, theirs);
        disposeWeights(theirs);
        if (same) {
          found = name;
          break;
        }
      }
    } finally {
      disposeWeights(mine);
      disposeWeights(init);
    }
  }
  shared.set(key, found);
  return found || undefined;
}

/**
 * The PyTorch form an implementation's weights are in: `serial` for every serial form, its own name
 * where it has a layout, else the layout it shares (a WGSL kernel's), else the name as given (which
 * pytorchForm then refuses, listing the forms).
 */
export function formName(family: AnyFamily, implementation?: string): string {
  if (!implementation || implementation === 'serial' || implementation.startsWith('serial.')) return 'serial';
  if (implementation in pytorchLayout(family).parallel) return implementation;
  return sharedForm(family, implementation) ?? implementation;
}

/**
 * The tensors of `implementation`'s PyTorch form and the TypeScript implementation whose weights
 * they are; an implementation without a form of its own (a WGSL kernel) gets the form it shares.
 * Throws a usage error listing the forms when the name is unknown.
 */
export function pytorchForm<C>(family: AnyFamily, config: C, implementation?: string): PytorchForm<C> {
  const layout = pytorchLayout<C>(family);
  const impls = family.implementations as readonly Implementation<C>[];
  const name = formName(family, implementation);
  if (name === 'serial') return { tensors: layout.serial(config), via: impls[0]! };
  const parallel = layout.parallel[name];
  const via = parallel && impls.find((i) => i.name === parallel.via);
  if (!parallel || !via) {
    throw new FusebenchError(
      `${family.name} has no weight layout '${implementation}'; use one of ${pytorchFormNames(family).join(', ')}`,
      'usage',
      'from',
    );
  }
  return { tensors: parallel.tensors(config), via };
}

/** Engine tensor → PyTorch layout (reshape, transpose, reshape; exact). */
export function toPytorchTensor(t: Tensor, entry: PytorchTensor): HostTensor {
  if (t.shape.join() !== entry.engineShape.join()) {
    throw new Error(`${entry.engine}: engine tensor is ${showShape(t.shape)}, the PyTorch layout expects ${showShape(entry.engineShape)}`);
  }
  const moved = tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(t, [...entry.split]), [...entry.perm]), [...entry.shape]));
  try {
    return fromTensor(moved);
  } finally {
    moved.dispose();
  }
}

/** PyTorch layout → a new engine tensor (fp32): the inverse of toPytorchTensor. */
export function fromPytorchTensor(h: HostTensor, entry: PytorchTensor): Tensor {
  const permuted = entry.perm.map((i) => entry.split[i]!);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(toTensor(h), permuted), inversePermutation(entry.perm)), [...entry.engineShape]));
}

/** An engine activation (NHWC for feature maps) → PyTorch's layout (NCHW). */
export function activationToPytorch(t: Tensor, layout: ActivationLayout): HostTensor {
  const perm = activationPermutation(layout, t.rank);
  if (!perm) return fromTensor(t);
  const moved = tf.transpose(t, perm);
  try {
    return fromTensor(moved);
  } finally {
    moved.dispose();
  }
}

/** A PyTorch activation → a new engine tensor (NCHW → NHWC for feature maps). */
export function activationFromPytorch(h: HostTensor, layout: ActivationLayout): Tensor {
  const perm = activationPermutation(layout, h.shape.length);
  return perm ? tf.tidy(() => tf.transpose(toTensor(h), inversePermutation(perm))) : toTensor(h);
}

function describeProblems(problems: string[]): string {
  const shown = problems.slice(0, 6).join('; ');
  return problems.length > 6 ? `${shown}; and ${problems.length - 6} more` : shown;
}

/**
 * Checks that `tensors` hold exactly the form's tensors with their shapes; throws FileFormatError
 * naming every missing, extra or mis-shaped tensor and the fix. BatchNorm's `num_batches_tracked`
 * counters are allowed and ignored.
 */
export function checkPytorchTensors<C>(
  family: AnyFamily,
  config: C,
  tensors: HostTensors,
  form: PytorchForm<C>,
  options: PytorchWeightsOptions,
): void {
  const source = options.source ?? 'weights';
  const expected = new Map(form.tensors.map((t) => [t.name, t]));
  const problems: string[] = [];
  const missing = form.tensors.filter((t) => !(t.name in tensors)).map((t) => `'${t.name}' (${showShape(t.shape)})`);
  if (missing.length > 0)
    problems.push(`missing ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ` and ${missing.length - 4} more` : ''}`);
  for (const [name, t] of Object.entries(tensors)) {
    const entry = expected.get(name);
    if (!entry) {
      if (!name.endsWith(BATCHES_TRACKED)) problems.push(`unexpected tensor '${name}'`);
      continue;
    }
    if (!isFloat(t)) problems.push(`'${name}' is ${t.dtype}; weights must be F32 or F64`);
    else if (t.shape.join() !== entry.shape.join()) problems.push(`'${name}' is ${showShape(t.shape)}, expected ${showShape(entry.shape)}`);
  }
  if (problems.length === 0) return;
  const formName = options.implementation && !options.implementation.startsWith('serial') ? options.implementation : 'serial';
  throw new FileFormatError(
    source,
    `does not hold ${family.name} weights in the ${formName} PyTorch layout for config ${JSON.stringify(config)}: ${describeProblems(problems)}. ` +
      `Give the --config the checkpoint was made with, and the layout it is in (--from ${pytorchFormNames(family).join('|')}); ` +
      'names and shapes per family are in docs/pytorch.md',
  );
}

/**
 * PyTorch tensors of one form → the engine's weights in the layout of `form.via` (validated first).
 * The caller disposes the result.
 */
export function loadOwnWeights<C>(
  family: AnyFamily,
  config: C,
  tensors: HostTensors,
  options: PytorchWeightsOptions,
): { own: WeightSet; form: PytorchForm<C> } {
  const form = pytorchForm<C>(family, config, options.implementation);
  checkPytorchTensors(family, config, tensors, form, options);
  const own: WeightSet = { trainable: {}, buffers: {} };
  for (const entry of form.tensors) {
    (entry.buffer ? own.buffers : own.trainable)[entry.engine] = fromPytorchTensor(tensors[entry.name]!, entry);
  }
  return { own, form };
}

/**
 * An implementation's own weights → serial weights, running statistics included. `toSerial` maps
 * trainable tensors only; every BatchNorm conversion moves `mean`/`variance` exactly as it moves
 * `gamma`/`beta` (engine/core/ops.ts concatBatchNorms), so the buffers go through toSerial in the
 * place of their BatchNorm's gamma and beta. Returns new tensors; `own` is left as it is.
 */
export function ownToSerial<C>(family: AnyFamily, impl: Implementation<C>, own: WeightSet, config: C): WeightSet {
  return tf.tidy(() => {
    const trainable = impl.toSerial(own.trainable, config);
    const stand: Tensors = { ...own.trainable };
    for (const name of Object.keys(own.buffers)) {
      const [prefix, stat] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)];
      const partner = `${prefix}.${stat === 'mean' ? 'gamma' : 'beta'}`;
      if (!(stat === 'mean' || stat === 'variance') || !(partner in own.trainable)) {
        throw new Error(`${impl.name}: buffer ${name} has no BatchNorm partner ${partner}; ownToSerial cannot map it`);
      }
      stand[partner] = own.buffers[name]!;
    }
    const moved = Object.keys(own.buffers).length > 0 ? impl.toSerial(stand, config) : {};
    const buffers: Tensors = {};
    for (const entry of pytorchLayout<C>(family)
      .serial(config)
      .filter((t) => t.buffer)) {
      const stat = entry.engine.endsWith('.mean') ? 'gamma' : 'beta';
      buffers[entry.engine] = tf.clone(moved[`${entry.engine.slice(0, entry.engine.lastIndexOf('.'))}.${stat}`]!);
    }
    return {
      trainable: Object.fromEntries(Object.entries(trainable).map(([k, t]) => [k, tf.clone(t)])),
      buffers,
    } as unknown as tf.TensorContainer;
  }) as unknown as WeightSet;
}

export function disposeWeights(w: WeightSet): void {
  tf.dispose([...Object.values(w.trainable), ...Object.values(w.buffers)]);
}

/**
 * PyTorch tensors (a state dict, e.g. from a safetensors file) → the engine's serial WeightSet,
 * validated name by name and shape by shape. A parallel form is converted back to serial. fp32 on
 * the active TensorFlow.js backend; the caller disposes it.
 *
 * @example const w = loadWeights(getFamily('batchnorm'), config, readSafetensorsFile('bn.safetensors').tensors, { layout: 'pytorch' });
 */
export function loadWeights<C>(family: AnyFamily, config: C, tensors: HostTensors, options: PytorchWeightsOptions): WeightSet {
  const { own, form } = loadOwnWeights<C>(family, config, tensors, options);
  if (form.via === family.implementations[0]) return own;
  try {
    return ownToSerial(family, form.via, own, config);
  } finally {
    disposeWeights(own);
  }
}

/**
 * The engine's serial weights → PyTorch tensors (fp32), in the serial form or converted to a
 * parallel implementation's form (`implementation`). Leaves `weights` as they are.
 *
 * @example const sd = exportWeights(family, config, family.init(config, 1), { layout: 'pytorch', implementation: 'parallel.groupedConv' });
 */
export function exportWeights<C>(family: AnyFamily, config: C, weights: WeightSet, options: PytorchWeightsOptions): HostTensors {
  const form = pytorchForm<C>(family, config, options.implementation);
  const serial = form.via === family.implementations[0];
  const own = serial
    ? weights
    : (tf.tidy(() => form.via.toParallel(weights, config) as unknown as tf.TensorContainer) as unknown as WeightSet);
  try {
    return Object.fromEntries(
      form.tensors.map((entry) => [entry.name, toPytorchTensor((entry.buffer ? own.buffers : own.trainable)[entry.engine]!, entry)]),
    );
  } finally {
    if (!serial) disposeWeights(own);
  }
}

/** Serial-layout gradients (engine names) → PyTorch names `grad.<serial name>`, as `fusebench forward` writes them. */
export function gradientsToPytorch<C>(family: AnyFamily, config: C, grads: Tensors): HostTensors {
  return Object.fromEntries(
    pytorchLayout<C>(family)
      .serial(config)
      .filter((t) => !t.buffer)
      .map((entry) => [`grad.${entry.name}`, toPytorchTensor(grads[entry.engine]!, entry)]),
  );
}
