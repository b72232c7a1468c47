/**
 * How a family's tensors are named and laid out in PyTorch (docs/pytorch.md): the serial form under
 * the seed's module names, and each parallel form under the names its PyTorch module would hold.
 * The engine keeps NHWC activations, [kh, kw, in, out] kernels and [in, out] Linear weights; PyTorch
 * keeps NCHW, OIHW and [out, in]. Every mapping here is pure data movement (reshape, transpose,
 * reshape), so it is exact in both directions and its adjoint (for gradients) is the same map.
 */

/** `feature-map`: NHWC in the engine, NCHW in PyTorch. `same`: one layout in both ([B, g, C], [B, g·in], …). */
export type ActivationLayout = 'feature-map' | 'same';

/** One tensor of a PyTorch state dict and the engine tensor it holds. */
export interface PytorchTensor {
  /** State-dict name, e.g. `attention_convs.0.conv1.weight`. */
  readonly name: string;
  /** Shape in PyTorch's layout (OIHW kernels, [out, in] Linear weights). */
  readonly shape: readonly number[];
  /** Name of the engine tensor in the implementation's own WeightSet, e.g. `b0.conv1`. */
  readonly engine: string;
  readonly engineShape: readonly number[];
  /** A BatchNorm running statistic (WeightSet.buffers), not a trainable parameter. */
  readonly buffer: boolean;
  /** engine → PyTorch: reshape the engine tensor to `split`, transpose it by `perm`, reshape to `shape`. */
  readonly split: readonly number[];
  readonly perm: readonly number[];
}

/** The PyTorch form of one parallel implementation (TypeScript or torch-only). */
export interface ParallelPytorchLayout<C> {
  /**
   * The TypeScript implementation whose weights these tensors re-lay: same function, same conversion
   * from serial. A torch-only implementation (e.g. `parallel.groupedConv`) names the TypeScript one it
   * shares its weights with, so files in its layout convert and check on every backend.
   */
  readonly via: string;
  /** The PyTorch module that holds these tensors, for docs and `fusebench families`. */
  readonly module: string;
  tensors(config: C): PytorchTensor[];
}

/** A family's PyTorch names and layouts; see docs/pytorch.md for every family's list. */
export interface PytorchLayout<C> {
  readonly input: ActivationLayout;
  readonly output: ActivationLayout;
  /** The serial PyTorch module, for docs. */
  readonly serialModule: string;
  /** The serial form's tensors under the seed's module names. Every `serial.*` implementation holds these. */
  serial(config: C): PytorchTensor[];
  /** Every parallel implementation's PyTorch form, keyed by implementation name (torch-only ones included). */
  readonly parallel: Readonly<Record<string, ParallelPytorchLayout<C>>>;
}

const identity = (rank: number) => Array.from({ length: rank }, (_, i) => i);

/** Constructors for the mappings the families use. */
export const pt = {
  /** The same values under a PyTorch name, reshaped if `shape` differs (e.g. a bias [g, 1, out] → [g, out]). */
  same(
    engine: string,
    name: string,
    engineShape: readonly number[],
    shape: readonly number[] = engineShape,
    buffer = false,
  ): PytorchTensor {
    return { name, shape, engine, engineShape, buffer, split: engineShape, perm: identity(engineShape.length) };
  },
  /** A Conv2d kernel: engine [kh, kw, in, out] → PyTorch OIHW [out, in, kh, kw]. */
  conv2d(engine: string, name: string, engineShape: readonly [number, number, number, number]): PytorchTensor {
    const [kh, kw, cin, cout] = engineShape;
    return { name, shape: [cout, cin, kh, kw], engine, engineShape, buffer: false, split: engineShape, perm: [3, 2, 0, 1] };
  },
  /** A Linear weight: engine [in, out] (x·W) → PyTorch [out, in] (x·Wᵀ). */
  linear(engine: string, name: string, engineShape: readonly [number, number]): PytorchTensor {
    const [cin, cout] = engineShape;
    return { name, shape: [cout, cin], engine, engineShape, buffer: false, split: engineShape, perm: [1, 0] };
  },
  /**
   * A grouped Conv2d kernel held per group as im2col matrices: engine [g, kh·kw·in, out] (rows in
   * (kh, kw, in) order) → PyTorch `Conv2d(groups=g)` weight [g·out, in, kh, kw].
   */
  groupedConv2d(engine: string, name: string, g: number, kh: number, kw: number, cin: number, cout: number): PytorchTensor {
    return {
      name,
      shape: [g * cout, cin, kh, kw],
      engine,
      engineShape: [g, kh * kw * cin, cout],
      buffer: false,
      split: [g, kh, kw, cin, cout],
      perm: [0, 4, 3, 1, 2],
    };
  },
  /** Any other permutation: engine → reshape(split) → transpose(perm) → reshape(shape). */
  permuted(
    engine: string,
    name: string,
    engineShape: readonly number[],
    split: readonly number[],
    perm: readonly number[],
    shape: readonly number[],
  ): PytorchTensor {
    return { name, shape, engine, engineShape, buffer: false, split, perm };
  },
  /** A BatchNorm: engine `gamma/beta/mean/variance` → PyTorch `weight/bias/running_mean/running_var`. */
  batchNorm(enginePrefix: string, prefix: string, channels: number): PytorchTensor[] {
    const c = [channels];
    return [
      pt.same(`${enginePrefix}.gamma`, `${prefix}.weight`, c),
      pt.same(`${enginePrefix}.beta`, `${prefix}.bias`, c),
      pt.same(`${enginePrefix}.mean`, `${prefix}.running_mean`, c, c, true),
      pt.same(`${enginePrefix}.variance`, `${prefix}.running_var`, c, c, true),
    ];
  },
  /** A part's tensors nested in a composite family: engine and PyTorch names both prefixed. */
  prefixed(tensors: readonly PytorchTensor[], enginePrefix: string, prefix: string): PytorchTensor[] {
    return tensors.map((t) => ({ ...t, engine: `${enginePrefix}${t.engine}`, name: `${prefix}${t.name}` }));
  },
  /** A parallel implementation without weights (replicate, gmp). */
  noWeights<C>(via: string, module: string): ParallelPytorchLayout<C> {
    return { via, module, tensors: () => [] };
  },
};

/** PyTorch's name for the counter every BatchNorm keeps; files may hold it, the engine ignores it. */
export const BATCHES_TRACKED = '.num_batches_tracked';

/** Permutation that takes an activation from the engine's layout to PyTorch's (NHWC → NCHW). */
export function activationPermutation(layout: ActivationLayout, rank: number): number[] | undefined {
  if (layout === 'same') return undefined;
  if (rank !== 4) throw new Error(`a feature map has rank 4, got rank ${rank}`);
  return [0, 3, 1, 2];
}

/** Engine shape → PyTorch shape of an activation. */
export function pytorchActivationShape(layout: ActivationLayout, shape: readonly number[]): number[] {
  const perm = activationPermutation(layout, shape.length);
  return perm ? perm.map((i) => shape[i]!) : [...shape];
}

/** The inverse of a permutation. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inv: number[] = [];
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
