import { tf, type Tensor } from '../../core/tf.js';
import { runProgram } from './dispatch-cache.js';
import { columnSum, reluGrad } from './elementwise.js';
import { defineGradient, defineKernel, memo, runKernel } from './kernels.js';
import { intUniforms, type ProgramUniform, type TensorInfo, type WebGpuBackendLike } from './program.js';
import { GemmProgram, gemmUniformValues, type GemmSpec } from './tiled-gemm.js';

/**
 * Batched Linear layers on the tiled GEMM (tiled-gemm.ts): one weight matrix per batch entry g,
 *
 *   x [R, Ga, K], w [G, K, N] → y [R, G, N],  y[r, g, n] = act(Σ_k x[r, src(g), k] · w[g, k, n] + bias[g, n] + res[r, g, n]).
 *
 * Without a gather src(g) = g (group-linear, class-head: Ga = G). With one, G is the classes and
 * src(g) the attribute group of class g (class-linear): the seed's per-class gather x[:, idx] happens
 * in the kernel's indexing, nothing is copied. Bias, residual and ReLU are fused into the store.
 */
const LINEAR = 'FusebenchBatchedLinear';
const LINEAR_BACKPROP_INPUT = 'FusebenchBatchedLinearBackpropInput';
const LINEAR_BACKPROP_FILTER = 'FusebenchBatchedLinearBackpropFilter';

type LinearAttrs = {
  rows: number;
  /** Groups x holds (Ga). */
  sources: number;
  /** Weight matrices (G). */
  groups: number;
  inFeatures: number;
  outFeatures: number;
  /** Classes per source group, group-major (empty: no gather). */
  classesPerGroup: number[];
  bias: boolean;
  residual: boolean;
  relu: boolean;
};

const aligned = (n: number) => n % 4 === 0;

/**
 * The gather's tables, read from one int32 input `tables` [G + 2·Ga] so that one pipeline serves every
 * grouping: src(g) for each class, then each source group's first class and class count (its classes
 * are one contiguous run, group-major).
 */
function gatherTables(a: LinearAttrs): string {
  if (a.classesPerGroup.length === 0) return 'fn src(g : i32) -> i32 { return g; }';
  return `
    fn src(g : i32) -> i32 { return tables[g]; }
    fn runStart(s : i32) -> i32 { return tables[uniforms.G + s]; }
    fn runLength(s : i32) -> i32 { return tables[uniforms.G + uniforms.Ga + s]; }`;
}

function tableValues(classesPerGroup: number[]): number[] {
  const group = classesPerGroup.flatMap((n, i) => Array.from({ length: n }, () => i));
  const starts = classesPerGroup.map((_, i) => classesPerGroup.slice(0, i).reduce((s, n) => s + n, 0));
  return [...group, ...starts, ...classesPerGroup];
}

/**
 * The tables live in the backend, made once per grouping and never freed (a few ints): not engine
 * tensors, so no step uploads them and no tensor count sees them.
 */
const tableCache = new WeakMap<object, Map<string, TensorInfo>>();
function tablesFor(backend: WebGpuBackendLike, classesPerGroup: number[]): TensorInfo {
  let byGrouping = tableCache.get(backend);
  if (!byGrouping) tableCache.set(backend, (byGrouping = new Map()));
  const key = classesPerGroup.join(',');
  let info = byGrouping.get(key);
  if (!info) {
    const values = tableValues(classesPerGroup);
    info = (backend as unknown as { makeTensorInfo(s: number[], d: string, v: Int32Array): TensorInfo }).makeTensorInfo(
      [values.length],
      'int32',
      Int32Array.from(values),
    );
    byGrouping.set(key, info);
  }
  return info;
}

const gatherKey = (a: LinearAttrs) => (a.classesPerGroup.length ? 'gather' : 'direct');
const tables = (a: LinearAttrs) => (a.classesPerGroup.length ? { tables: ['tables'] } : {});

function linearUniforms(a: LinearAttrs) {
  return intUniforms({ rows: a.rows, Ga: a.sources, G: a.groups, Kin: a.inFeatures, Nout: a.outFeatures });
}

/** Forward: per g, M = rows, N = out, K = in. */
function forwardSpec(a: LinearAttrs): GemmSpec {
  return {
    label: 'BatchedLinearForward',
    key: gatherKey(a),
    batches: a.groups,
    M: a.rows,
    N: a.outFeatures,
    K: a.inFeatures,
    preamble: gatherTables(a),
    ...tables(a),
    a: { index: 'return (r * uniforms.Ga + src(b)) * uniforms.Kin + c;', contiguous: 'col', vec4: aligned(a.inFeatures) },
    b: { index: 'return (b * uniforms.Kin + r) * uniforms.Nout + c;', contiguous: 'col', vec4: aligned(a.outFeatures) },
    cIndex: 'return (m * uniforms.G + b) * uniforms.Nout + n;',
    vec4Out: aligned(a.outFeatures),
    epilogue: { bias: a.bias, residual: a.residual, relu: a.relu },
    uniformFields: linearUniforms(a).fields,
  };
}

/**
 * dx[r, s, k] = Σ_{g : src(g) = s} Σ_n dz[r, g, n] · w[g, k, n]: per source group s, M = rows, N = in.
 * With a gather, s's classes are one contiguous run, so its reduction (run length × out) reads dz and
 * w as contiguous slabs; the GEMM's reduction length is then per batch.
 */
function backpropInputSpec(a: LinearAttrs): GemmSpec {
  const gather = a.classesPerGroup.length > 0;
  return {
    label: 'BatchedLinearBackpropInput',
    key: gatherKey(a),
    batches: a.sources,
    M: a.rows,
    N: a.inFeatures,
    K: gather ? Math.max(...a.classesPerGroup) * a.outFeatures : a.outFeatures,
    ...(gather ? { kLength: 'runLength(b) * uniforms.Nout' } : {}),
    preamble: gatherTables(a),
    ...tables(a),
    a: gather
      ? { index: 'return (r * uniforms.G + runStart(b)) * uniforms.Nout + c;', contiguous: 'col', vec4: aligned(a.outFeatures) }
      : { index: 'return (r * uniforms.G + b) * uniforms.Nout + c;', contiguous: 'col', vec4: aligned(a.outFeatures) },
    // B[s](k = (class − start)·out + o, n = in) = w[class, in, o]: contiguous along k within a class.
    b: gather
      ? {
          index: `let j = r / uniforms.Nout;
                  return ((runStart(b) + j) * uniforms.Kin + c) * uniforms.Nout + (r - j * uniforms.Nout);`,
          contiguous: 'row',
          vec4: aligned(a.outFeatures),
        }
      : { index: 'return (b * uniforms.Kin + c) * uniforms.Nout + r;', contiguous: 'row', vec4: aligned(a.outFeatures) },
    cIndex: 'return (m * uniforms.Ga + b) * uniforms.Kin + n;',
    vec4Out: aligned(a.inFeatures),
    uniformFields: linearUniforms(a).fields,
  };
}

/** dw[g, k, n] = Σ_r x[r, src(g), k] · dz[r, g, n]: per g, M = in, N = out, K = rows. */
function backpropFilterSpec(a: LinearAttrs): GemmSpec {
  return {
    label: 'BatchedLinearBackpropFilter',
    key: gatherKey(a),
    batches: a.groups,
    M: a.inFeatures,
    N: a.outFeatures,
    K: a.rows,
    preamble: gatherTables(a),
    ...tables(a),
    a: { index: 'return (c * uniforms.Ga + src(b)) * uniforms.Kin + r;', contiguous: 'row', vec4: aligned(a.inFeatures) },
    b: { index: 'return (r * uniforms.G + b) * uniforms.Nout + c;', contiguous: 'col', vec4: aligned(a.outFeatures) },
    cIndex: 'return (b * uniforms.Kin + m) * uniforms.Nout + n;',
    vec4Out: aligned(a.outFeatures),
    uniformFields: linearUniforms(a).fields,
  };
}

const programs = new Map<string, { program: GemmProgram; uniforms: ProgramUniform[] }>();

function gemmKernel(which: string, spec: (a: LinearAttrs) => GemmSpec, outShape: (a: LinearAttrs) => number[], order: string[]) {
  return (inputs: Record<string, TensorInfo>, attrs: LinearAttrs, backend: WebGpuBackendLike) => {
    const { program, uniforms } = memo(programs, `${which}:${JSON.stringify(attrs)}`, () => {
      const g = spec(attrs);
      return {
        program: new GemmProgram(g, outShape(attrs)),
        uniforms: [...gemmUniformValues(g).map((v) => ({ type: 'int32' as const, data: [v] })), ...linearUniforms(attrs).data],
      };
    });
    const ordered = order.filter((n) => inputs[n]).map((n) => inputs[n]!);
    if (attrs.classesPerGroup.length) ordered.push(tablesFor(backend, attrs.classesPerGroup));
    return runProgram(backend, program, ordered, 'float32', uniforms);
  };
}

defineKernel<LinearAttrs>(
  LINEAR,
  gemmKernel('forward', forwardSpec, (a) => [a.rows, a.groups, a.outFeatures], ['x', 'w', 'bias', 'residual']),
);
defineKernel<LinearAttrs>(
  LINEAR_BACKPROP_INPUT,
  gemmKernel('input', backpropInputSpec, (a) => [a.rows, a.sources, a.inFeatures], ['dz', 'w']),
);
defineKernel<LinearAttrs>(
  LINEAR_BACKPROP_FILTER,
  gemmKernel('filter', backpropFilterSpec, (a) => [a.groups, a.inFeatures, a.outFeatures], ['x', 'dz']),
);
defineGradient<LinearAttrs>(LINEAR, { inputs: ['x', 'w'], outputs: [true] }, (dy, [x, w, y], a) => {
  const dz = a.relu ? reluGrad(dy, y!) : dy;
  return {
    x: () => runKernel(LINEAR_BACKPROP_INPUT, { dz, w: w! }, a),
    w: () => runKernel(LINEAR_BACKPROP_FILTER, { x: x!, dz }, a),
    ...(a.bias ? { bias: () => tf.reshape(columnSum(dz, a.rows), [a.groups, a.outFeatures]) } : {}),
    ...(a.residual ? { residual: () => dz } : {}),
  };
});

export interface LinearOptions {
  /** [G, N] (or any shape of G·N elements, e.g. [G, 1, N]). */
  bias?: Tensor;
  /** Added before the activation; shaped like the output [R, G, N]. */
  residual?: Tensor;
  relu?: boolean;
  /** Rows of x gathered per weight matrix: class g of the output reads group src(g) (class-linear). */
  classesPerGroup?: number[];
}

/**
 * y [R, G, N] = act(x[:, src(g)] · w[g] + bias[g] + residual) for x [R, Ga, K], w [G, K, N], on the
 * WebGPU backend; differentiable in x, w, bias and residual (backward kernels are WGSL too).
 *
 * @example batchedLinear(tf.reshape(x, [B, g, in]), w, { bias }) // group-linear, seed §6
 */
export function batchedLinear(x: Tensor, w: Tensor, options: LinearOptions = {}): Tensor {
  const [rows, sources, inFeatures] = x.shape as [number, number, number];
  const [groups, k, outFeatures] = w.shape as [number, number, number];
  const classesPerGroup = options.classesPerGroup ?? [];
  const expectedGroups = classesPerGroup.length ? classesPerGroup.reduce((a, b) => a + b, 0) : sources;
  if (k !== inFeatures || groups !== expectedGroups || (classesPerGroup.length && classesPerGroup.length !== sources)) {
    throw new Error(`batchedLinear: x [${x.shape}] and w [${w.shape}] do not match (classesPerGroup ${classesPerGroup})`);
  }
  const attrs: LinearAttrs = {
    rows,
    sources,
    groups,
    inFeatures,
    outFeatures,
    classesPerGroup,
    bias: options.bias !== undefined,
    residual: options.residual !== undefined,
    relu: options.relu ?? false,
  };
  const inputs: Record<string, Tensor> = { x, w };
  if (options.bias) inputs.bias = options.bias.rank === 2 ? options.bias : tf.reshape(options.bias, [groups, outFeatures]);
  if (options.residual) inputs.residual = options.residual;
  return runKernel(LINEAR, inputs, attrs);
}
