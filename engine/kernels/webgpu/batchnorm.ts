import { customGrad, tf, type Tensor } from '../../core/tf.js';
import { BN_EPSILON, BN_MOMENTUM, product } from '../../core/ops.js';
import { runProgram } from './dispatch-cache.js';
import { defineKernel, memo, runKernel, runKernels } from './kernels.js';
import { ceilDiv, FlatProgram, type ProgramUniform, type TensorInfo, type WebGpuBackendLike, type WgslProgram } from './program.js';

/**
 * Fused BatchNorm over the last (channel) axis of x viewed as [R, C], with the ReLU and the residual add
 * of a bottleneck fused in. The residual may have fewer channels, Cr, with C = reps·Cr: channel c adds
 * residual[r, c mod Cr], the fused bottleneck's "x repeated g times" done by indexing, never materialised.
 *
 * Training uses the batch's statistics, computed in one pass over x (Welford per thread, combined across
 * threads and row chunks with Chan's formula), and updates the running statistics exactly as
 * engine/core/ops.ts batchNorm does (momentum 0.1, unbiased variance). Its backward pass is three
 * kernels: per-channel sums of dz and dz·x̂ (one pass), the input gradient, and the residual gradient
 * summed over the g replicas.
 */
const APPLY = 'FusebenchBatchNorm';
const STATS = 'FusebenchBatchNormStatistics';
const RUNNING = 'FusebenchBatchNormRunningUpdate';
const GRAD_SUMS = 'FusebenchBatchNormGradSums';
const GRAD_INPUT = 'FusebenchBatchNormGradInput';
const GRAD_RESIDUAL = 'FusebenchBatchNormGradResidual';

/** Channels per workgroup of the column reductions (one per thread) and threads sharing a column. */
const COLUMNS = 64;
const LANES = 4;

const f32 = (value: number): ProgramUniform => ({ type: 'float32', data: [value] });
const i32 = (value: number): ProgramUniform => ({ type: 'int32', data: [value] });

/** How the normalised value of element (r, c) is produced; `width` channels per invocation (4 where C allows). */
interface ApplyVariant {
  /** `running`: mean and variance inputs [C] (inference); `batch`: one stats input [2, C] (mean, biased variance). */
  statistics: 'running' | 'batch';
  residual: boolean;
  relu: boolean;
  width: 1 | 4;
}

function vecType(width: number): string {
  return width === 4 ? 'vec4<f32>' : 'f32';
}

/** y = (x − mean)·γ/√(var + ε) + β (+ residual[r, c mod Cr]) (ReLU), per element; `width` elements per invocation. */
class ApplyProgram extends FlatProgram implements WgslProgram {
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  shaderKey: string;
  label = 'BatchNormApply';
  uniforms = 'count : i32, C : i32, Cr : i32, epsilon : f32,';

  constructor(
    readonly outputShape: number[],
    private readonly v: ApplyVariant,
  ) {
    super();
    this.variableNames = [
      'x',
      ...(v.statistics === 'running' ? ['mean', 'variance'] : ['stats']),
      'gamma',
      'beta',
      ...(v.residual ? ['residual'] : []),
    ];
    this.variableComponents = this.variableNames.map(() => v.width);
    this.outputComponent = v.width;
    this.shaderKey = `fusebench.batchNormApply.${v.statistics}.${v.residual ? 'res' : ''}${v.relu ? 'relu' : ''}.${v.width}`;
    const size = product(outputShape);
    this.flat(size / v.width);
  }

  getUserCode(): string {
    const { width, statistics, residual, relu } = this.v;
    const t = vecType(width);
    // Indices are in units of `width` elements: element index·width is (row, channel).
    const mean = statistics === 'running' ? 'mean[c]' : 'stats[c]';
    const variance = statistics === 'running' ? 'variance[c]' : `stats[uniforms.C / ${width} + c]`;
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        let perRow = uniforms.C / ${width};
        let r = index / perRow;
        let c = index - r * perRow;
        let scale = gamma[c] * inverseSqrt(${variance} + ${t}(uniforms.epsilon));
        var y = (x[index] - ${mean}) * scale + beta[c];
        ${residual ? `y = y + residual[r * (uniforms.Cr / ${width}) + c % (uniforms.Cr / ${width})];` : ''}
        ${relu ? `y = max(y, ${t}(0.0));` : ''}
        result[index] = y;
      }`;
  }
}

/**
 * Per row chunk and channel, a column reduction over x [R, C]: COLUMNS channels per workgroup, LANES
 * threads per channel taking every LANES-th row of the chunk, combined through workgroup memory.
 * `stats`: Welford mean and M2 of x (one pass, numerically stable); `grads`: Σ dz and Σ dz·x̂ with
 * dz = dy (· [y > 0]) and x̂ = (x − mean)/√(var + ε). Output [chunks, 2, C].
 */
class ColumnChunksProgram implements WgslProgram {
  variableNames: string[];
  variableComponents: number[];
  outputComponent = 1;
  shaderKey: string;
  label: string;
  outputShape: number[];
  dispatchLayout = { x: [2], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [COLUMNS, LANES, 1];
  uniforms = 'R : i32, C : i32, rowsPerChunk : i32, epsilon : f32,';

  constructor(
    private readonly kind: 'stats' | 'grads',
    private readonly relu: boolean,
    channels: number,
    chunks: number,
  ) {
    this.variableNames = kind === 'stats' ? ['x'] : ['dy', ...(relu ? ['y'] : []), 'x', 'stats'];
    this.variableComponents = this.variableNames.map(() => 1);
    this.shaderKey = `fusebench.batchNormColumns.${kind}${relu ? '.relu' : ''}`;
    this.label = kind === 'stats' ? 'BatchNormStatisticsChunks' : 'BatchNormGradSumsChunks';
    this.outputShape = [chunks, 2, channels];
    this.dispatch = [ceilDiv(channels, COLUMNS), chunks, 1];
  }

  getUserCode(): string {
    const stats = this.kind === 'stats';
    const accumulate = stats
      ? `let v = x[r * uniforms.C + c];
             n = n + 1.0;
             let d = v - a;
             a = a + d / n;
             b = b + d * (v - a);`
      : `let i = r * uniforms.C + c;
             let dz = ${this.relu ? 'select(0.0, dy[i], y[i] > 0.0)' : 'dy[i]'};
             n = n + 1.0;
             a = a + dz;
             b = b + dz * (x[i] - mean) * invStd;`;
    // Chan et al.: two (count, mean, M2) summaries combine exactly; sums simply add.
    const combine = stats
      ? `let n2 = partN[other]; if (n2 > 0.0) {
               let total = n + n2; let d = partA[other] - a;
               a = a + d * n2 / total; b = b + partB[other] + d * d * n * n2 / total; n = total; }`
      : 'a = a + partA[other]; b = b + partB[other];';
    return `
      var<workgroup> partN : array<f32, ${COLUMNS * LANES}>;
      var<workgroup> partA : array<f32, ${COLUMNS * LANES}>;
      var<workgroup> partB : array<f32, ${COLUMNS * LANES}>;

      fn main() {
        let c = i32(workgroupId.x) * ${COLUMNS} + i32(localId.x);
        let lane = i32(localId.y);
        let chunk = i32(workgroupId.y);
        let r0 = chunk * uniforms.rowsPerChunk;
        let r1 = min(uniforms.R, r0 + uniforms.rowsPerChunk);
        // stats: a = running mean, b = M2; grads: a = Σ dz, b = Σ dz·x̂.
        var n = 0.0;
        var a = 0.0;
        var b = 0.0;
        if (c < uniforms.C) {
          ${stats ? '' : 'let mean = stats[c]; let invStd = inverseSqrt(stats[uniforms.C + c] + uniforms.epsilon);'}
          for (var r = r0 + lane; r < r1; r = r + ${LANES}) {
             ${accumulate}
          }
        }
        let slot = lane * ${COLUMNS} + i32(localId.x);
        partN[slot] = n;
        partA[slot] = a;
        partB[slot] = b;
        workgroupBarrier();
        if (lane == 0 && c < uniforms.C) {
          for (var l = 1; l < ${LANES}; l++) {
            let other = l * ${COLUMNS} + i32(localId.x);
            ${combine}
          }
          result[(chunk * 2) * uniforms.C + c] = a;
          result[(chunk * 2 + 1) * uniforms.C + c] = b;
        }
      }`;
  }
}

/**
 * Combines the row chunks per channel. `stats`: → [2, C] (mean, biased variance), Chan's formula over
 * chunks of known sizes. `sum`: → [C], the sum of the chunks' value in row `row` (0: Σ dz, 1: Σ dz·x̂).
 */
class FinalizeProgram extends FlatProgram implements WgslProgram {
  variableNames = ['chunks'];
  variableComponents = [1];
  outputComponent = 1;
  shaderKey: string;
  label: string;
  uniforms = 'R : i32, C : i32, rowsPerChunk : i32, chunkCount : i32, row : i32,';

  constructor(
    readonly outputShape: number[],
    private readonly kind: 'stats' | 'sum',
  ) {
    super();
    this.shaderKey = `fusebench.batchNormFinalize.${kind}`;
    this.label = kind === 'stats' ? 'BatchNormStatisticsFinalize' : 'BatchNormGradSumsFinalize';
    this.flat(outputShape[outputShape.length - 1]!);
  }

  getUserCode(): string {
    if (this.kind !== 'stats') {
      return `
      fn main(c : i32) {
        if (c >= uniforms.C) { return; }
        var s = 0.0;
        for (var k = 0; k < uniforms.chunkCount; k++) { s = s + chunks[(k * 2 + uniforms.row) * uniforms.C + c]; }
        result[c] = s;
      }`;
    }
    return `
      fn main(c : i32) {
        if (c >= uniforms.C) { return; }
        var n = 0.0;
        var mean = 0.0;
        var m2 = 0.0;
        for (var k = 0; k < uniforms.chunkCount; k++) {
          let n2 = f32(min(uniforms.R, (k + 1) * uniforms.rowsPerChunk) - k * uniforms.rowsPerChunk);
          let mean2 = chunks[(k * 2) * uniforms.C + c];
          let total = n + n2;
          let d = mean2 - mean;
          mean = mean + d * n2 / total;
          m2 = m2 + chunks[(k * 2 + 1) * uniforms.C + c] + d * d * n * n2 / total;
          n = total;
        }
        result[c] = mean;
        result[uniforms.C + c] = m2 / n;
      }`;
  }
}

/** running' = (1 − momentum)·running + momentum·(mean, or variance·n/(n − 1)): PyTorch's update. */
class RunningUpdateProgram extends FlatProgram implements WgslProgram {
  variableNames = ['running', 'stats'];
  variableComponents = [1, 1];
  outputComponent = 1;
  shaderKey = 'fusebench.batchNormRunning';
  label = 'BatchNormRunningUpdate';
  uniforms = 'C : i32, row : i32, keep : f32, take : f32,';

  constructor(readonly outputShape: number[]) {
    super();
    this.flat(outputShape[0]!);
  }

  getUserCode(): string {
    return `
      fn main(c : i32) {
        if (c < uniforms.C) { result[c] = running[c] * uniforms.keep + stats[uniforms.row * uniforms.C + c] * uniforms.take; }
      }`;
  }
}

/** dx = γ·invStd/R · (R·dz − Σdz − x̂·Σdz·x̂), dz = dy (· [y > 0]); `width` channels per invocation. */
class GradInputProgram extends FlatProgram implements WgslProgram {
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  shaderKey: string;
  label = 'BatchNormGradInput';
  uniforms = 'count : i32, C : i32, R : i32, epsilon : f32,';

  constructor(
    readonly outputShape: number[],
    private readonly relu: boolean,
    private readonly width: 1 | 4,
  ) {
    super();
    this.variableNames = ['dy', ...(relu ? ['y'] : []), 'x', 'stats', 'gamma', 'sumDz', 'sumDzXhat'];
    this.variableComponents = this.variableNames.map(() => width);
    this.outputComponent = width;
    this.shaderKey = `fusebench.batchNormGradInput.${relu ? 'relu' : ''}.${width}`;
    const size = product(outputShape);
    this.flat(size / width);
  }

  getUserCode(): string {
    const t = vecType(this.width);
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        let perRow = uniforms.C / ${this.width};
        let c = index % perRow;
        let invStd = inverseSqrt(stats[perRow + c] + ${t}(uniforms.epsilon));
        let xhat = (x[index] - stats[c]) * invStd;
        let dz = ${this.relu ? `select(${t}(0.0), dy[index], y[index] > ${t}(0.0))` : 'dy[index]'};
        let n = f32(uniforms.R);
        result[index] = gamma[c] * invStd / n * (n * dz - sumDz[c] - xhat * sumDzXhat[c]);
      }`;
  }
}

/** d residual[r, cr] = Σ over the reps replicas of dz[r, rep·Cr + cr]; `width` channels per invocation. */
class GradResidualProgram extends FlatProgram implements WgslProgram {
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  shaderKey: string;
  label = 'BatchNormGradResidual';
  uniforms = 'count : i32, C : i32, Cr : i32,';

  constructor(
    readonly outputShape: number[],
    private readonly relu: boolean,
    private readonly width: 1 | 4,
  ) {
    super();
    this.variableNames = ['dy', ...(relu ? ['y'] : [])];
    this.variableComponents = this.variableNames.map(() => width);
    this.outputComponent = width;
    this.shaderKey = `fusebench.batchNormGradResidual.${relu ? 'relu' : ''}.${width}`;
    const size = product(outputShape);
    this.flat(size / width);
  }

  getUserCode(): string {
    const t = vecType(this.width);
    const w = this.width;
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        let perRes = uniforms.Cr / ${w};
        let r = index / perRes;
        let cr = index - r * perRes;
        var s = ${t}(0.0);
        for (var c = cr; c < uniforms.C / ${w}; c = c + perRes) {
          let i = r * (uniforms.C / ${w}) + c;
          s = s + ${this.relu ? `select(${t}(0.0), dy[i], y[i] > ${t}(0.0))` : 'dy[i]'};
        }
        result[index] = s;
      }`;
  }
}

const programs = new Map<string, WgslProgram>();
const channelsOf = (t: TensorInfo) => t.shape[t.shape.length - 1]!;
const widthFor = (...channels: number[]): 1 | 4 => (channels.every((c) => c % 4 === 0) ? 4 : 1);

/** Row chunks of a column reduction: enough workgroups to fill a GPU, at least 32 rows each. */
function chunking(rows: number, channels: number) {
  const chunks = Math.max(1, Math.min(ceilDiv(rows, 32), ceilDiv(1024, ceilDiv(channels, COLUMNS))));
  const rowsPerChunk = ceilDiv(rows, chunks);
  return { chunks: ceilDiv(rows, rowsPerChunk), rowsPerChunk };
}

type ApplyAttrs = { relu: boolean; residual: boolean; statistics: 'running' | 'batch' };

defineKernel<ApplyAttrs>(APPLY, (inputs, a, backend) => {
  const x = inputs.x!;
  const C = channelsOf(x);
  const Cr = a.residual ? channelsOf(inputs.residual!) : C;
  const width = widthFor(C, Cr);
  const variant: ApplyVariant = { statistics: a.statistics, residual: a.residual, relu: a.relu, width };
  const program = memo(programs, `apply:${x.shape}:${JSON.stringify(variant)}`, () => new ApplyProgram(x.shape, variant));
  const ordered = program.variableNames.map((n) => inputs[n]!);
  return runProgram(backend, program, ordered, 'float32', [i32(product(x.shape) / width), i32(C), i32(Cr), f32(BN_EPSILON)]);
});

/** Runs the chunked column reduction then its finalize programs; the chunk buffer is freed inside. */
function columnReduction(
  backend: WebGpuBackendLike,
  kind: 'stats' | 'grads',
  relu: boolean,
  inputs: TensorInfo[],
  rows: number,
  channels: number,
  finals: ('stats' | 'sum0' | 'sum1')[],
): TensorInfo[] {
  const { chunks, rowsPerChunk } = chunking(rows, channels);
  const chunkProgram = memo(
    programs,
    `chunks:${kind}:${relu}:${channels}:${chunks}`,
    () => new ColumnChunksProgram(kind, relu, channels, chunks),
  );
  const partial = runProgram(backend, chunkProgram, inputs, 'float32', [i32(rows), i32(channels), i32(rowsPerChunk), f32(BN_EPSILON)]);
  const outputs = finals.map((final) => {
    const shape = final === 'stats' ? [2, channels] : [channels];
    const kind = final === 'stats' ? 'stats' : 'sum';
    const program = memo(programs, `final:${kind}:${channels}`, () => new FinalizeProgram(shape, kind));
    const uniforms = [i32(rows), i32(channels), i32(rowsPerChunk), i32(chunks), i32(final === 'sum1' ? 1 : 0)];
    return runProgram(backend, program, [partial], 'float32', uniforms);
  });
  (backend as unknown as { disposeData(id: object): void }).disposeData(partial.dataId);
  return outputs;
}

defineKernel<Record<string, never>>(STATS, ({ x }, _a, backend) => {
  const C = channelsOf(x!);
  return columnReduction(backend, 'stats', false, [x!], product(x!.shape) / C, C, ['stats'])[0]!;
});

defineKernel<{ row: number; keep: number; take: number }>(RUNNING, ({ running, stats }, a, backend) => {
  const C = running!.shape[0]!;
  const program = memo(programs, `running:${C}`, () => new RunningUpdateProgram([C]));
  return runProgram(backend, program, [running!, stats!], 'float32', [i32(C), i32(a.row), f32(a.keep), f32(a.take)]);
});

defineKernel<{ relu: boolean }>(GRAD_SUMS, (inputs, a, backend) => {
  const x = inputs.x!;
  const C = channelsOf(x);
  const ordered = [inputs.dy!, ...(a.relu ? [inputs.y!] : []), x, inputs.stats!];
  return columnReduction(backend, 'grads', a.relu, ordered, product(x.shape) / C, C, ['sum0', 'sum1']);
});

defineKernel<{ relu: boolean }>(GRAD_INPUT, (inputs, a, backend) => {
  const x = inputs.x!;
  const C = channelsOf(x);
  const width = widthFor(C);
  const program = memo(programs, `gradInput:${x.shape}:${a.relu}`, () => new GradInputProgram(x.shape, a.relu, width));
  const ordered = program.variableNames.map((n) => inputs[n]!);
  return runProgram(backend, program, ordered, 'float32', [
    i32(product(x.shape) / width),
    i32(C),
    i32(product(x.shape) / C),
    f32(BN_EPSILON),
  ]);
});

defineKernel<{ relu: boolean; shape: number[] }>(GRAD_RESIDUAL, (inputs, a, backend) => {
  const dy = inputs.dy!;
  const C = channelsOf(dy);
  const Cr = a.shape[a.shape.length - 1]!;
  const width = widthFor(C, Cr);
  const program = memo(programs, `gradResidual:${a.shape}:${C}:${a.relu}`, () => new GradResidualProgram(a.shape, a.relu, width));
  return runProgram(backend, program, [dy, ...(a.relu ? [inputs.y!] : [])], 'float32', [i32(product(a.shape) / width), i32(C), i32(Cr)]);
});

export interface BatchNormOptions {
  /** Added after the affine map: [..., Cr] with C a multiple of Cr (channel c adds residual[..., c mod Cr]). */
  residual?: Tensor;
  relu?: boolean;
}

/** BatchNorm's tensors: γ, β and the running statistics (variables inside a training session). */
export interface BatchNormTensors {
  gamma: Tensor;
  beta: Tensor;
  mean: Tensor;
  variance: Tensor;
}

/** Inference: running statistics, one kernel. */
function inference(x: Tensor, p: BatchNormTensors, o: BatchNormOptions): Tensor {
  const inputs: Record<string, Tensor> = { x, mean: p.mean, variance: p.variance, gamma: p.gamma, beta: p.beta };
  if (o.residual) inputs.residual = o.residual;
  return runKernel<ApplyAttrs>(APPLY, inputs, { relu: o.relu ?? false, residual: !!o.residual, statistics: 'running' });
}

/** Training: batch statistics, running statistics updated where they are variables, WGSL backward. */
function training(x: Tensor, p: BatchNormTensors, o: BatchNormOptions): Tensor {
  const relu = o.relu ?? false;
  const C = x.shape[x.shape.length - 1]!;
  const rows = x.size / C;
  const forward = (input: Tensor, gamma: Tensor, beta: Tensor, residual: Tensor | undefined, save: tf.GradSaveFunc) => {
    const stats = runKernel(STATS, { x: input }, {});
    const inputs: Record<string, Tensor> = { x: input, stats, gamma, beta };
    if (residual) inputs.residual = residual;
    const y = runKernel<ApplyAttrs>(APPLY, inputs, { relu, residual: !!residual, statistics: 'batch' });
    updateRunning(p.mean, stats, 0, 1);
    updateRunning(p.variance, stats, 1, rows > 1 ? rows / (rows - 1) : 1);
    save([input, y, stats, gamma]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, ys, st, g] = saved as [Tensor, Tensor, Tensor, Tensor];
        const [sumDz, sumDzXhat] = runKernels(GRAD_SUMS, { dy, ...(relu ? { y: ys } : {}), x: xs, stats: st }, { relu }) as [
          Tensor,
          Tensor,
        ];
        const dx = runKernel(GRAD_INPUT, { dy, ...(relu ? { y: ys } : {}), x: xs, stats: st, gamma: g, sumDz, sumDzXhat }, { relu });
        const grads = [dx, sumDzXhat, sumDz];
        if (residual) grads.push(runKernel(GRAD_RESIDUAL, { dy, ...(relu ? { y: ys } : {}) }, { relu, shape: residual.shape }));
        return grads;
      },
    };
  };
  if (o.residual) {
    return customGrad<[Tensor, Tensor, Tensor, Tensor]>((input, gamma, beta, residual, save) =>
      forward(input, gamma, beta, residual, save),
    )(x, p.gamma, p.beta, o.residual);
  }
  return customGrad<[Tensor, Tensor, Tensor]>((input, gamma, beta, save) => forward(input, gamma, beta, undefined, save))(
    x,
    p.gamma,
    p.beta,
  );
}

/** running ← (1 − m)·running + m·factor·stats[row], where running is a variable (a training session). */
function updateRunning(running: Tensor, stats: Tensor, row: number, factor: number): void {
  if (!(running instanceof tf.Variable)) return;
  running.assign(runKernel(RUNNING, { running, stats }, { row, keep: 1 - BN_MOMENTUM, take: BN_MOMENTUM * factor }));
}

/**
 * BatchNorm over the last axis of x with ReLU and a replicated residual fused in, on the WebGPU
 * backend: one kernel in inference; in training batch statistics in one pass, the running statistics
 * updated (momentum 0.1, unbiased variance) and a WGSL backward.
 *
 * @example fusedBatchNorm(h, bn, 'training', { residual: x, relu: true }) // the bottleneck's last BN, + x·g, ReLU
 */
export function fusedBatchNorm(x: Tensor, p: BatchNormTensors, mode: 'inference' | 'training', options: BatchNormOptions = {}): Tensor {
  return mode === 'training' ? training(x, p, options) : inference(x, p, options);
}
