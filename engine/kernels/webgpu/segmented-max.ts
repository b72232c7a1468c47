import { customGrad, type Tensor } from '../../core/tf.js';
import { product } from '../../core/ops.js';
import { runProgram } from './dispatch-cache.js';
import { defineKernel, memo, runKernel } from './kernels.js';
import { FlatProgram, intUniforms, type WgslProgram } from './program.js';

/**
 * Global max pooling of x [B, P, C] over its P = H·W positions, for every channel at once: the g
 * groups' segments of C = g·C' channels are read in one pass and the [B, g, C'] result is a view.
 * Training keeps, per (b, c), the position of the maximum (int32): the value is gathered from it and
 * the backward pass scatters dy there, writing dx in one pass (no separate zero fill).
 */
const MAX = 'FusebenchSegmentedMax';
const ARGMAX = 'FusebenchSegmentedArgMax';
const GATHER = 'FusebenchSegmentedMaxGather';
const SCATTER = 'FusebenchSegmentedMaxScatter';

/** `width` channels per invocation (4 where C allows), one per (b, channel run): positions are read in step, coalesced. */
class ReduceProgram extends FlatProgram implements WgslProgram {
  variableNames = ['x'];
  variableComponents: number[];
  outputComponent: number;
  shaderKey: string;
  label: string;
  uniforms = 'count : i32, P : i32, C : i32,';

  constructor(
    readonly outputShape: number[],
    private readonly kind: 'max' | 'argmax',
    private readonly width: 1 | 4,
  ) {
    super();
    this.variableComponents = [width];
    this.outputComponent = width;
    this.shaderKey = `fusebench.segmentedMax.${kind}.${width}`;
    this.label = kind === 'max' ? 'SegmentedMax' : 'SegmentedArgMax';
    this.flat(product(outputShape) / width);
  }

  getUserCode(): string {
    const w = this.width;
    const t = w === 4 ? 'vec4<f32>' : 'f32';
    const it = w === 4 ? 'vec4<i32>' : 'i32';
    const body =
      this.kind === 'max'
        ? `var best : ${t} = x[base];
           for (var p = 1; p < uniforms.P; p++) { best = max(best, x[base + p * perRow]); }
           result[index] = best;`
        : // The first position holding the maximum, as tf.argMax picks.
          `var best : ${t} = x[base];
           var at = ${it}(0);
           for (var p = 1; p < uniforms.P; p++) {
             let v = x[base + p * perRow];
             at = select(at, ${it}(p), v > best);
             best = max(best, v);
           }
           result[index] = at;`;
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        // index = b · (C / w) + c: the max of x[b, p, c·w …] over p.
        let perRow = uniforms.C / ${w};
        let b = index / perRow;
        let c = index - b * perRow;
        let base = b * uniforms.P * perRow + c;
        ${body}
      }`;
  }
}

/** value[b, c] = x[b, argmax[b, c], c]. */
class GatherProgram extends FlatProgram implements WgslProgram {
  variableNames = ['x', 'at'];
  variableComponents = [1, 1];
  outputComponent = 1;
  shaderKey = 'fusebench.segmentedMax.gather';
  label = 'SegmentedMaxGather';
  uniforms = 'count : i32, P : i32, C : i32,';

  constructor(readonly outputShape: number[]) {
    super();
    this.flat(product(outputShape));
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        let b = index / uniforms.C;
        let c = index - b * uniforms.C;
        result[index] = x[(b * uniforms.P + at[index]) * uniforms.C + c];
      }`;
  }
}

/** dx[b, p, c] = dy[b, c] where p is the argmax of (b, c), else 0: every element of dx written once. */
class ScatterProgram extends FlatProgram implements WgslProgram {
  variableNames = ['dy', 'at'];
  variableComponents: number[];
  outputComponent: number;
  shaderKey: string;
  label = 'SegmentedMaxScatter';
  uniforms = 'count : i32, P : i32, C : i32,';

  constructor(
    readonly outputShape: number[],
    private readonly width: 1 | 4,
  ) {
    super();
    this.variableComponents = [width, width];
    this.outputComponent = width;
    this.shaderKey = `fusebench.segmentedMax.scatter.${width}`;
    this.flat(product(outputShape) / width);
  }

  getUserCode(): string {
    const w = this.width;
    const zero = w === 4 ? 'vec4<f32>(0.0)' : '0.0';
    const p = w === 4 ? 'vec4<i32>(p)' : 'p';
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        // index = (b · P + p) · (C / w) + c.
        let perRow = uniforms.C / ${w};
        let bp = index / perRow;
        let c = index - bp * perRow;
        let b = bp / uniforms.P;
        let p = bp - b * uniforms.P;
        let o = b * perRow + c;
        result[index] = select(${zero}, dy[o], at[o] == ${p});
      }`;
  }
}

type Attrs = { batch: number; positions: number; channels: number };
const programs = new Map<string, WgslProgram>();
const widthFor = (channels: number): 1 | 4 => (channels % 4 === 0 ? 4 : 1);

function reduceKernel(kind: 'max' | 'argmax') {
  return defineKernel<Attrs>(kind === 'max' ? MAX : ARGMAX, ({ x }, a, backend) => {
    const width = widthFor(a.channels);
    const program = memo(programs, `${kind}:${a.batch}:${a.channels}`, () => new ReduceProgram([a.batch, a.channels], kind, width));
    const uniforms = intUniforms({ count: (a.batch * a.channels) / width, P: a.positions, C: a.channels }).data;
    return runProgram(backend, program, [x!], kind === 'max' ? 'float32' : 'int32', uniforms);
  });
}
reduceKernel('max');
reduceKernel('argmax');

defineKernel<Attrs>(GATHER, ({ x, at }, a, backend) => {
  const program = memo(programs, `gather:${a.batch}:${a.channels}`, () => new GatherProgram([a.batch, a.channels]));
  return runProgram(
    backend,
    program,
    [x!, at!],
    'float32',
    intUniforms({ count: a.batch * a.channels, P: a.positions, C: a.channels }).data,
  );
});

defineKernel<Attrs>(SCATTER, ({ dy, at }, a, backend) => {
  const width = widthFor(a.channels);
  const shape = [a.batch, a.positions, a.channels];
  const program = memo(programs, `scatter:${shape}`, () => new ScatterProgram(shape, width));
  const uniforms = intUniforms({ count: (a.batch * a.positions * a.channels) / width, P: a.positions, C: a.channels }).data;
  return runProgram(backend, program, [dy!, at!], 'float32', uniforms);
});

/**
 * max over the positions of x [B, P, C] → [B, C] on the WebGPU backend. Inference: one pass. Training:
 * the argmax is kept for the backward scatter (the gradient goes to the first maximum, as argmax picks).
 *
 * @example segmentedMax(tf.reshape(x, [B, H * W, g * C]), 'training')
 */
export function segmentedMax(x: Tensor, mode: 'inference' | 'training'): Tensor {
  const [batch, positions, channels] = x.shape as [number, number, number];
  const attrs: Attrs = { batch, positions, channels };
  if (mode === 'inference') return runKernel(MAX, { x }, attrs);
  return customGrad<[Tensor]>((input, save) => {
    const at = runKernel(ARGMAX, { x: input }, attrs);
    save([at]);
    return {
      value: runKernel(GATHER, { x: input, at }, attrs),
      gradFunc: (dy, [kept]) => runKernel(SCATTER, { dy, at: kept! }, attrs),
    };
  })(x);
}
