import type { WgslProgram } from './program.js';
import { ceilDiv } from './program.js';

/**
 * One operand of a batched GEMM C[b] = A[b]·B[b], read through an index function rather than a fixed
 * layout: that is how one tiled kernel serves a convolution (A is the input at shifted pixels, zero
 * outside the image: implicit im2col, nothing materialised), its two gradients, and batched Linears
 * whose rows gather from another group (class-linear).
 */
export interface GemmOperand {
  /**
   * WGSL body of `fn(b : i32, r : i32, c : i32) -> i32`: the flat element index of row r, column c of
   * batch b, or -1 where the operand is zero (convolution padding). A's rows are m and columns k; B's
   * rows are k and columns n.
   */
  index: string;
  /** Which coordinate is contiguous in memory: loads take 4 neighbours along it. */
  contiguous: 'row' | 'col';
  /**
   * Every run of 4 along `contiguous` starting at a multiple of 4 is 16-byte aligned and entirely
   * inside or outside the operand: the binding is then `array<vec4<f32>>` and a run is one load.
   */
  vec4: boolean;
}

/** Added to each result before it is stored; every input here is laid out like the output (or per column). */
export interface GemmEpilogue {
  /** `bias[b * N + n]`, one per batch and column. */
  bias?: boolean;
  /** `residual[index of C]`, laid out like the output. */
  residual?: boolean;
  relu?: boolean;
}

export interface GemmSpec {
  /** The program's class label in timings, e.g. `GroupedConvForward`. */
  label: string;
  /** Every compile-time choice of the index functions (kernel size, gathers), for the pipeline cache key. */
  key: string;
  batches: number;
  M: number;
  N: number;
  /** The reduction length: the loop bound (the longest where `kLength` varies per batch). */
  K: number;
  a: GemmOperand;
  b: GemmOperand;
  /** WGSL body of `fn(b : i32, m : i32, n : i32) -> i32`: the flat index of C's element. */
  cIndex: string;
  /** C's rows are contiguous along n in 16-byte-aligned runs of 4 (N a multiple of 4): stores are vec4. */
  vec4Out: boolean;
  /**
   * WGSL expression for batch `b`'s own reduction length where it varies (ragged class runs): reads past
   * it are zero. Default `uniforms.K`.
   */
  kLength?: string;
  /** Further int32 inputs the index functions read (tables), bound after the epilogue's. */
  tables?: string[];
  epilogue?: GemmEpilogue;
  /** Module-scope WGSL the index functions use (constant tables). */
  preamble?: string;
  /** The index functions' own uniforms, declared after M, N, K. */
  uniformFields: string;
}

/** Output tile of one workgroup (rows × columns) and the reduction step: 16×16 threads, each 4×4 outputs. */
const TM = 64;
const TN = 64;
const TK = 16;
/** Workgroups per dispatch dimension WebGPU guarantees. */
const MAX_PER_DIMENSION = 65_535;

/** Uniform fields every GEMM declares, then the spec's own (values come from gemmUniforms). */
const GEMM_FIELDS = 'M : i32, N : i32, K : i32, tilesN : i32, tilesM : i32, tiles : i32,';

export function gemmTiles(spec: Pick<GemmSpec, 'M' | 'N' | 'batches'>) {
  const tilesN = ceilDiv(spec.N, TN);
  const tilesM = ceilDiv(spec.M, TM);
  return { tilesN, tilesM, tiles: tilesN * tilesM * spec.batches };
}

/** Uniform values of the GEMM's own fields, in declaration order. */
export function gemmUniformValues(spec: Pick<GemmSpec, 'M' | 'N' | 'K' | 'batches'>): number[] {
  const t = gemmTiles(spec);
  return [spec.M, spec.N, spec.K, t.tilesN, t.tilesM, t.tiles];
}

function load4(name: 'A' | 'B', op: GemmOperand): string {
  // A: (r, c) = (m, k); B: (r, c) = (k, n). Bounds: rows < rowsOf, columns < colsOf.
  const [rows, cols] = name === 'A' ? ['uniforms.M', 'kLength(b)'] : ['kLength(b)', 'uniforms.N'];
  const step = op.contiguous === 'row' ? ['r + 1', 'c', 'r + 2', 'c', 'r + 3', 'c'] : ['r', 'c + 1', 'r', 'c + 2', 'r', 'c + 3'];
  if (op.vec4) {
    return `
      fn load${name}4(b : i32, r : i32, c : i32) -> vec4<f32> {
        if (r >= ${rows} || c >= ${cols}) { return vec4<f32>(0.0); }
        let i = index${name}(b, r, c);
        if (i < 0) { return vec4<f32>(0.0); }
        return ${name}[i / 4];
      }`;
  }
  return `
      fn read${name}(b : i32, r : i32, c : i32) -> f32 {
        if (r >= ${rows} || c >= ${cols}) { return 0.0; }
        let i = index${name}(b, r, c);
        if (i < 0) { return 0.0; }
        return ${name}[i];
      }
      fn load${name}4(b : i32, r : i32, c : i32) -> vec4<f32> {
        return vec4<f32>(read${name}(b, r, c), read${name}(b, ${step[0]}, ${step[1]}),
                         read${name}(b, ${step[2]}, ${step[3]}), read${name}(b, ${step[4]}, ${step[5]}));
      }`;
}

/** How thread t (0..255) fills its 4 entries of a 16×64 shared tile, and from which operand coordinates. */
function tileLoad(name: 'A' | 'B', op: GemmOperand): string {
  // Shared tiles are stored k-major: As[k * 64 + m], Bs[k * 64 + n], so the inner product reads rows of 4.
  const along = name === 'A' ? (op.contiguous === 'row' ? 'outer' : 'k') : op.contiguous === 'col' ? 'outer' : 'k';
  const outer = name === 'A' ? 'tileM' : 'tileN';
  const call = (o: string, k: string) => (name === 'A' ? `loadA4(b, ${outer} + ${o}, k0 + ${k})` : `loadB4(b, k0 + ${k}, ${outer} + ${o})`);
  if (along === 'k') {
    // 4 neighbours along k for one row (A) or column (B): 64 of them × 4 runs of 4 along k.
    return `{
        let o = t % 64;
        let kq = (t / 64) * 4;
        let v = ${call('o', 'kq')};
        ${name}s[kq * 64 + o] = v.x;
        ${name}s[(kq + 1) * 64 + o] = v.y;
        ${name}s[(kq + 2) * 64 + o] = v.z;
        ${name}s[(kq + 3) * 64 + o] = v.w;
      }`;
  }
  // 4 neighbours along m (A) or n (B) for one k: 16 runs of 4 × 16 values of k.
  return `{
        let k = t / 16;
        let oq = (t % 16) * 4;
        let v = ${call('oq', 'k')};
        ${name}s[k * 64 + oq] = v.x;
        ${name}s[k * 64 + oq + 1] = v.y;
        ${name}s[k * 64 + oq + 2] = v.z;
        ${name}s[k * 64 + oq + 3] = v.w;
      }`;
}

function epilogueCode(spec: GemmSpec): string {
  const e = spec.epilogue ?? {};
  const lines = (v: string, bias: string, residual: string, zero: string) =>
    [e.bias ? `${v} = ${v} + ${bias};` : '', e.residual ? `${v} = ${v} + ${residual};` : '', e.relu ? `${v} = max(${v}, ${zero});` : '']
      .filter(Boolean)
      .join('\n        ');
  return `
      fn epilogue(b : i32, m : i32, n : i32, i : i32, value : f32) -> f32 {
        var v = value;
        ${spec.vec4Out ? '' : lines('v', 'bias[b * uniforms.N + n]', 'residual[i]', '0.0')}
        return v;
      }
      fn epilogue4(b : i32, m : i32, n : i32, i : i32, value : vec4<f32>) -> vec4<f32> {
        var v = value;
        ${spec.vec4Out ? lines('v', 'bias[(b * uniforms.N + n) / 4]', 'residual[i / 4]', 'vec4<f32>(0.0)') : ''}
        return v;
      }`;
}

/**
 * A tiled batched GEMM as a tfjs WebGPU program: each workgroup computes a 64×64 tile of C for one
 * batch, stepping through K 16 at a time; 256 threads stage the A and B tiles in workgroup memory
 * (4 values each, one vec4 load where the layout allows), then each thread accumulates a 4×4 block with
 * vec4 FMAs. Workgroups are numbered linearly (batch, row tile, column tile) so no dispatch dimension
 * exceeds WebGPU's limit.
 */
export class GemmProgram implements WgslProgram {
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0], y: [1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [16, 16, 1];
  uniforms: string;
  label: string;

  constructor(
    private readonly spec: GemmSpec,
    outputShape: number[],
  ) {
    const e = spec.epilogue ?? {};
    this.outputShape = outputShape;
    this.outputComponent = spec.vec4Out ? 4 : 1;
    const tables = spec.tables ?? [];
    this.variableNames = ['A', 'B', ...(e.bias ? ['bias'] : []), ...(e.residual ? ['residual'] : []), ...tables];
    this.variableComponents = [
      spec.a.vec4 ? 4 : 1,
      spec.b.vec4 ? 4 : 1,
      ...(e.bias ? [this.outputComponent] : []),
      ...(e.residual ? [this.outputComponent] : []),
      ...tables.map(() => 1),
    ];
    this.shaderKey =
      `fusebench.gemm.${spec.label}.${spec.key}.a${spec.a.contiguous}${spec.a.vec4 ? 4 : 1}.b${spec.b.contiguous}${spec.b.vec4 ? 4 : 1}` +
      `.c${this.outputComponent}.${e.bias ? 'bias' : ''}${e.residual ? 'res' : ''}${e.relu ? 'relu' : ''}${spec.kLength ? '.ragged' : ''}`;
    const { tiles } = gemmTiles(spec);
    const x = Math.min(tiles, MAX_PER_DIMENSION);
    this.dispatch = [x, ceilDiv(tiles, x), 1];
    this.uniforms = `${GEMM_FIELDS} ${spec.uniformFields}`;
    this.label = spec.label;
  }

  getUserCode(): string {
    const s = this.spec;
    // Row r of the thread's 4×4 block: accumulator acc<r>, stored as one vec4 or 4 checked scalars.
    const store = (r: number) => `{
          let m = tileM + ty * 4 + ${r};
          if (m < uniforms.M) {${
            s.vec4Out
              ? `
            if (n < uniforms.N) { let i = indexC(b, m, n); result[i / 4] = epilogue4(b, m, n, i, acc${r}); }`
              : ['x', 'y', 'z', 'w']
                  .map(
                    (lane, j) => `
            if (n + ${j} < uniforms.N) { let i = indexC(b, m, n + ${j}); result[i] = epilogue(b, m, n + ${j}, i, acc${r}.${lane}); }`,
                  )
                  .join('')
          }
          }
        }`;
    return `
      ${s.preamble ?? ''}
      var<workgroup> As : array<f32, ${TK * TM}>;
      var<workgroup> Bs : array<f32, ${TK * TN}>;
      // tfjs copies the builtins into private variables, which WGSL's uniformity analysis cannot see
      // through; reading the workgroup number back with workgroupUniformLoad makes it (and the loop
      // bounds that derive from it) provably uniform, as workgroupBarrier requires.
      var<workgroup> workgroupNumber : i32;

      fn indexA(b : i32, r : i32, c : i32) -> i32 { ${s.a.index} }
      fn indexB(b : i32, r : i32, c : i32) -> i32 { ${s.b.index} }
      fn indexC(b : i32, m : i32, n : i32) -> i32 { ${s.cIndex} }
      fn kLength(b : i32) -> i32 { return ${s.kLength ?? 'uniforms.K'}; }
      ${load4('A', s.a)}
      ${load4('B', s.b)}
      ${epilogueCode(s)}

      fn main() {
        // Linear workgroup number → (batch, row tile, column tile).
        if (localIndex == 0u) { workgroupNumber = i32(workgroupId.y * numWorkgroups.x + workgroupId.x); }
        let wid = workgroupUniformLoad(&workgroupNumber);
        if (wid >= uniforms.tiles) { return; }
        let tileN = (wid % uniforms.tilesN) * ${TN};
        let rest = wid / uniforms.tilesN;
        let tileM = (rest % uniforms.tilesM) * ${TM};
        let b = rest / uniforms.tilesM;
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let t = ty * 16 + tx;
        // The loop bound is uniform (barriers need it); a batch's own ragged length bounds the reads.
        let K = uniforms.K;
        var acc0 = vec4<f32>(0.0);
        var acc1 = vec4<f32>(0.0);
        var acc2 = vec4<f32>(0.0);
        var acc3 = vec4<f32>(0.0);
        for (var k0 = 0; k0 < K; k0 = k0 + ${TK}) {
          ${tileLoad('A', s.a)}
          ${tileLoad('B', s.b)}
          workgroupBarrier();
          for (var kk = 0; kk < ${TK}; kk++) {
            let bo = kk * 64 + tx * 4;
            let bv = vec4<f32>(Bs[bo], Bs[bo + 1], Bs[bo + 2], Bs[bo + 3]);
            let ao = kk * 64 + ty * 4;
            acc0 = fma(vec4<f32>(As[ao]), bv, acc0);
            acc1 = fma(vec4<f32>(As[ao + 1]), bv, acc1);
            acc2 = fma(vec4<f32>(As[ao + 2]), bv, acc2);
            acc3 = fma(vec4<f32>(As[ao + 3]), bv, acc3);
          }
          workgroupBarrier();
        }
        // Thread (tx, ty) owns rows tileM + ty·4 … +3 and columns tileN + tx·4 … +3.
        let n = tileN + tx * 4;
        ${[0, 1, 2, 3].map(store).join('')}
      }
    `;
  }
}
