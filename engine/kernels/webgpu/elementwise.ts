import { runProgram } from './dispatch-cache.js';
import { product } from '../../core/ops.js';
import { defineKernel, memo, runKernel } from './kernels.js';
import { FlatProgram, intUniforms, type WgslProgram } from './program.js';
import type { Tensor } from '../../core/tf.js';

/**
 * The small elementwise and column kernels the backward passes share: the ReLU mask applied to a
 * gradient, column sums (bias gradients), and dy broadcast back over reduced axes (Sum and Mean
 * gradients, lean-gradients.ts).
 */
const RELU_GRAD = 'FusebenchReluGrad';
const COLUMN_SUM = 'FusebenchColumnSum';
const BROADCAST = 'FusebenchBroadcast';

/** out = dy / divisor broadcast to the output shape (dy has the output's rank, 1 on reduced axes): tfjs's indexing helpers broadcast. */
class BroadcastProgram extends FlatProgram implements WgslProgram {
  variableNames = ['dy'];
  variableComponents = [1];
  outputComponent = 1;
  shaderKey = 'fusebench.broadcast';
  label = 'Broadcast';
  uniforms = 'count : i32, divisor : f32,';

  constructor(readonly outputShape: number[]) {
    super();
    this.flat(product(outputShape));
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.count) { result[index] = getDyByOutputIndex(index) / uniforms.divisor; }
      }`;
  }
}

/** dz = dy · [y > 0], where y = relu(…): 4 elements per invocation where the size allows. */
class ReluGradProgram extends FlatProgram implements WgslProgram {
  variableNames = ['dy', 'y'];
  variableComponents: number[];
  outputComponent: number;
  shaderKey: string;
  label = 'ReluGrad';
  uniforms = 'count : i32,';

  constructor(
    readonly outputShape: number[],
    private readonly width: number,
  ) {
    super();
    this.variableComponents = [width, width];
    this.outputComponent = width;
    this.shaderKey = `fusebench.reluGrad.${width}`;
    const size = product(outputShape);
    this.flat(size / width);
  }

  getUserCode(): string {
    const zero = this.width === 4 ? 'vec4<f32>(0.0)' : '0.0';
    return `
      fn main(index : i32) {
        if (index < uniforms.count) {
          result[index] = select(${zero}, dy[index], y[index] > ${zero});
        }
      }`;
  }
}

/** out[c] = Σ_r x[r, c] over the rows of x [rows, columns]: one invocation per column, reading rows in step (coalesced). */
class ColumnSumProgram extends FlatProgram implements WgslProgram {
  variableNames = ['x'];
  variableComponents = [1];
  outputComponent = 1;
  shaderKey = 'fusebench.columnSum';
  label = 'ColumnSum';
  uniforms = 'rows : i32, columns : i32,';

  constructor(readonly outputShape: number[]) {
    super();
    this.flat(product(outputShape));
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.columns) {
          var s = 0.0;
          for (var r = 0; r < uniforms.rows; r++) { s = s + x[r * uniforms.columns + index]; }
          result[index] = s;
        }
      }`;
  }
}

const programs = new Map<string, WgslProgram>();

defineKernel<{ size: number }>(RELU_GRAD, ({ dy, y }, { size }, backend) => {
  const width = size % 4 === 0 ? 4 : 1;
  const program = memo(programs, `relu:${dy!.shape.join(',')}`, () => new ReluGradProgram(dy!.shape, width));
  return runProgram(backend, program, [dy!, y!], 'float32', intUniforms({ count: size / width }).data);
});

defineKernel<{ rows: number; columns: number }>(COLUMN_SUM, ({ x }, { rows, columns }, backend) => {
  const program = memo(programs, `colsum:${columns}`, () => new ColumnSumProgram([columns]));
  return runProgram(backend, program, [x!], 'float32', intUniforms({ rows, columns }).data);
});

defineKernel<{ shape: number[]; divisor: number }>(BROADCAST, ({ dy }, { shape, divisor }, backend) => {
  const program = memo(programs, `broadcast:${shape}`, () => new BroadcastProgram(shape));
  const count = product(shape);
  return runProgram(backend, program, [dy!], 'float32', [
    { type: 'int32', data: [count] },
    { type: 'float32', data: [divisor] },
  ]);
});

/** dy (same rank as `shape`, 1 on the reduced axes) broadcast to `shape` and divided by `divisor`, in one pass. */
export function broadcastGrad(dy: Tensor, shape: number[], divisor = 1): Tensor {
  return runKernel(BROADCAST, { dy }, { shape, divisor });
}

/** dy · [y > 0]: the gradient through a ReLU whose output is y. */
export function reluGrad(dy: Tensor, y: Tensor): Tensor {
  return runKernel(RELU_GRAD, { dy, y }, { size: dy.size });
}

/** Σ over the leading `rows` of x viewed as [rows, columns]: bias gradients. */
export function columnSum(x: Tensor, rows: number): Tensor {
  return runKernel(COLUMN_SUM, { x }, { rows, columns: x.size / rows });
}
