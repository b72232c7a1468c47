import { tf } from '../core/tf.js';

/** The parts of tfjs-backend-wasm's backend this kernel uses (public in 4.22). */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Copies the slice `begin`/`size` of a row-major array with the given shape, one contiguous inner run at a time. */
export function copySlice(
  src: Float32Array | Int32Array | Uint8Array,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: Float32Array | Int32Array | Uint8Array,
): void {
  const rank = shape.length;
  if (rank === 0 || size.some((s) => s === 0)) return;
  const strides = tf.util.computeStrides(shape as number[]);
  const run = size[rank - 1]!;
  const index = new Array<number>(Math.max(0, rank - 1)).fill(0);
  const outer = size.slice(0, -1).reduce((a, b) => a * b, 1);
  let out = 0;
  for (let o = 0; o < outer; o++) {
    let at = begin[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) at += (begin[d]! + index[d]!) * strides[d]!;
    dst.set(src.subarray(at, at + run), out);
    out += run;
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
}

/**
 * tfjs-backend-wasm 4.22's Slice reads the WHOLE input into a JavaScript copy (readSync) before
 * taking the slice, so a loop of g slices copies the input g times: a cost of the harness, not of the
 * serial form (PyTorch slices are views). This kernel reads the input where it lies on the wasm heap
 * and copies only the slice. Strings keep the original kernel.
 */
export function registerWasmSliceFix(): void {
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const x = inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.kernelFunc({ inputs, backend, attrs });
    const wasm = backend as unknown as WasmBackend;
    const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size) as [number[], number[]];
    // Allocate first: growing the wasm heap detaches every view taken before it.
    const out = wasm.makeOutput(size_, x.dtype);
    copySlice(wasm.typedArrayFromHeap(x), x.shape, begin_, size_, wasm.typedArrayFromHeap(out));
    return out;
  };
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ kernelName: 'Slice', backendName: 'wasm', kernelFunc });
}
