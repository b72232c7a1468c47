import type { Tensor } from '../../core/tf.js';
import { runProgram } from './dispatch-cache.js';
import { defineGradient, defineKernel, memo, runKernel } from './kernels.js';
import { intUniforms, type ProgramUniform, type TensorInfo, type WebGpuBackendLike } from './program.js';
import { GemmProgram, gemmUniformValues, type GemmSpec } from './tiled-gemm.js';

/**
 * Direct grouped convolution, NHWC, stride 1, 'same' padding, kernel 1×1 or 3×3 — what TensorFlow.js
 * lacks (tfjs#3900). Each group g is one GEMM of the tiled kernel (tiled-gemm.ts) whose A operand reads
 * the input at shifted pixels, zero outside the image: im2col by indexing, nothing materialised.
 *
 *   x [B, H, W, G·Cin], w [G, T·Cin, Cout] (T = 1 or 9 taps, row (tap, c) with tap = 3·dy + dx),
 *   y [B, H, W, G·Cout],  y[p, g, o] = Σ_tap Σ_c x[p shifted by tap, g, c] · w[g, tap·Cin + c, o].
 *
 * The backward passes are the same GEMM with other index functions: the input gradient shifts the
 * other way and reads w transposed, the filter gradient reduces over pixels.
 */
export const GROUPED_CONV = 'FusebenchGroupedConv2D';
const BACKPROP_INPUT = 'FusebenchGroupedConv2DBackpropInput';
const BACKPROP_FILTER = 'FusebenchGroupedConv2DBackpropFilter';

interface ConvShape {
  batch: number;
  height: number;
  width: number;
  groups: number;
  cin: number;
  cout: number;
  /** 1 (1×1) or 9 (3×3). */
  taps: number;
}

type ConvAttrs = { kernelSize: number; groups: number; batch: number; height: number; width: number; cin: number; cout: number };

function shapeOf(a: ConvAttrs): ConvShape {
  return {
    batch: a.batch,
    height: a.height,
    width: a.width,
    groups: a.groups,
    cin: a.cin,
    cout: a.cout,
    taps: a.kernelSize * a.kernelSize,
  };
}

/**
 * WGSL: pixel m = (n·H + h)·W + w shifted by tap (3×3: dy = tap / 3 − 1, dx = tap % 3 − 1, times
 * `sign`), as a pixel index, or −1 outside the image (the zero padding).
 */
function shiftedPixel(taps: number, sign: '+' | '-'): string {
  if (taps === 1) return 'fn shifted(m : i32, tap : i32) -> i32 { return m; }';
  return `
    fn shifted(m : i32, tap : i32) -> i32 {
      let w = m % uniforms.W;
      let nh = m / uniforms.W;
      let h = nh % uniforms.H;
      let hh = h ${sign} (tap / 3 - 1);
      let ww = w ${sign} (tap % 3 - 1);
      if (hh < 0 || hh >= uniforms.H || ww < 0 || ww >= uniforms.W) { return -1; }
      return m ${sign} (tap / 3 - 1) * uniforms.W ${sign} (tap % 3 - 1);
    }`;
}

function convUniforms(s: ConvShape) {
  return intUniforms({ H: s.height, W: s.width, G: s.groups, Cin: s.cin, Cout: s.cout });
}

const aligned = (n: number) => n % 4 === 0;
const pixels = (s: ConvShape) => s.batch * s.height * s.width;

/** y[p, g, o] = Σ_{tap, c} x[shift(p, tap), g, c] · w[g, tap·Cin + c, o]: per group M = pixels, N = Cout, K = T·Cin. */
function forwardSpec(s: ConvShape): GemmSpec {
  return {
    label: 'GroupedConvForward',
    key: `t${s.taps}`,
    batches: s.groups,
    M: pixels(s),
    N: s.cout,
    K: s.taps * s.cin,
    preamble: shiftedPixel(s.taps, '+'),
    a: {
      // A[g](m, k): k = tap·Cin + c; a run of 4 channels stays in one pixel when Cin is a multiple of 4.
      index: `let tap = c / uniforms.Cin; let p = shifted(r, tap);
              if (p < 0) { return -1; }
              return p * (uniforms.G * uniforms.Cin) + b * uniforms.Cin + (c - tap * uniforms.Cin);`,
      contiguous: 'col',
      vec4: aligned(s.cin),
    },
    b: { index: 'return (b * uniforms.K + r) * uniforms.Cout + c;', contiguous: 'col', vec4: aligned(s.cout) },
    cIndex: 'return m * (uniforms.G * uniforms.Cout) + b * uniforms.Cout + n;',
    vec4Out: aligned(s.cout),
    uniformFields: convUniforms(s).fields,
  };
}

/** dx[p, g, c] = Σ_{tap, o} dy[shift⁻¹(p, tap), g, o] · w[g, tap·Cin + c, o]: M = pixels, N = Cin, K = T·Cout. */
function backpropInputSpec(s: ConvShape): GemmSpec {
  return {
    label: 'GroupedConvBackpropInput',
    key: `t${s.taps}`,
    batches: s.groups,
    M: pixels(s),
    N: s.cin,
    K: s.taps * s.cout,
    preamble: shiftedPixel(s.taps, '-'),
    a: {
      index: `let tap = c / uniforms.Cout; let p = shifted(r, tap);
              if (p < 0) { return -1; }
              return p * (uniforms.G * uniforms.Cout) + b * uniforms.Cout + (c - tap * uniforms.Cout);`,
      contiguous: 'col',
      vec4: aligned(s.cout),
    },
    // B[g](k = tap·Cout + o, n = c) = w[g, tap·Cin + c, o]: contiguous along k (o).
    b: {
      index: `let tap = r / uniforms.Cout;
              return ((b * ${s.taps} + tap) * uniforms.Cin + c) * uniforms.Cout + (r - tap * uniforms.Cout);`,
      contiguous: 'row',
      vec4: aligned(s.cout),
    },
    cIndex: 'return m * (uniforms.G * uniforms.Cin) + b * uniforms.Cin + n;',
    vec4Out: aligned(s.cin),
    uniformFields: convUniforms(s).fields,
  };
}

/** dw[g, tap·Cin + c, o] = Σ_p x[shift(p, tap), g, c] · dy[p, g, o]: M = T·Cin, N = Cout, K = pixels. */
function backpropFilterSpec(s: ConvShape): GemmSpec {
  return {
    label: 'GroupedConvBackpropFilter',
    key: `t${s.taps}`,
    batches: s.groups,
    M: s.taps * s.cin,
    N: s.cout,
    K: pixels(s),
    preamble: shiftedPixel(s.taps, '+'),
    // A[g](m = tap·Cin + c, k = p) = x[shift(p, tap), g, c]: contiguous along m within a tap.
    a: {
      index: `let tap = r / uniforms.Cin; let p = shifted(c, tap);
              if (p < 0) { return -1; }
              return p * (uniforms.G * uniforms.Cin) + b * uniforms.Cin + (r - tap * uniforms.Cin);`,
      contiguous: 'row',
      vec4: aligned(s.cin),
    },
    b: { index: 'return r * (uniforms.G * uniforms.Cout) + b * uniforms.Cout + c;', contiguous: 'col', vec4: aligned(s.cout) },
    cIndex: `return (b * ${s.taps} * uniforms.Cin + m) * uniforms.Cout + n;`,
    vec4Out: aligned(s.cout),
    uniformFields: convUniforms(s).fields,
  };
}

const programs = new Map<string, { program: GemmProgram; uniforms: ProgramUniform[] }>();

function runConvGemm(which: string, spec: (s: ConvShape) => GemmSpec, outShape: (s: ConvShape) => number[]) {
  return (inputs: Record<string, TensorInfo>, attrs: ConvAttrs, backend: WebGpuBackendLike) => {
    const s = shapeOf(attrs);
    const key = `${which}:${JSON.stringify(s)}`;
    const { program, uniforms } = memo(programs, key, () => {
      const g = spec(s);
      return {
        program: new GemmProgram(g, outShape(s)),
        uniforms: [...gemmUniformValues(g).map((v) => ({ type: 'int32' as const, data: [v] })), ...convUniforms(s).data],
      };
    });
    const ordered = which === 'filter' ? [inputs.x!, inputs.dy!] : which === 'input' ? [inputs.dy!, inputs.w!] : [inputs.x!, inputs.w!];
    return runProgram(backend, program, ordered, 'float32', uniforms);
  };
}

defineKernel<ConvAttrs>(
  GROUPED_CONV,
  runConvGemm('forward', forwardSpec, (s) => [s.batch, s.height, s.width, s.groups * s.cout]),
);
defineKernel<ConvAttrs>(
  BACKPROP_INPUT,
  runConvGemm('input', backpropInputSpec, (s) => [s.batch, s.height, s.width, s.groups * s.cin]),
);
defineKernel<ConvAttrs>(
  BACKPROP_FILTER,
  runConvGemm('filter', backpropFilterSpec, (s) => [s.groups, s.taps * s.cin, s.cout]),
);
defineGradient<ConvAttrs>(GROUPED_CONV, { inputs: ['x', 'w'] }, (dy, [x, w], attrs) => ({
  x: () => runKernel(BACKPROP_INPUT, { dy, w: w! }, attrs),
  w: () => runKernel(BACKPROP_FILTER, { x: x!, dy }, attrs),
}));

/**
 * Grouped convolution of x [B, H, W, G·Cin] with w [G, k·k·Cin, Cout] (k = 1 or 3, stride 1, 'same'),
 * on the WebGPU backend; differentiable (input and filter gradients are WGSL kernels too).
 *
 * @example groupedConv(x, tf.reshape(kernel3x3, [1, 9 * cin, cout]), 3) // a dense 3×3 conv is G = 1
 */
export function groupedConv(x: Tensor, w: Tensor, kernelSize: 1 | 3): Tensor {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const [groups, k, cout] = w.shape as [number, number, number];
  const cin = channels / groups;
  if (!Number.isInteger(cin) || k !== kernelSize * kernelSize * cin) {
    throw new Error(`groupedConv: x [${x.shape}] and w [${w.shape}] do not make a ${kernelSize}×${kernelSize} grouped convolution`);
  }
  return runKernel<ConvAttrs>(GROUPED_CONV, { x, w }, { kernelSize, groups, batch, height, width, cin, cout });
}
