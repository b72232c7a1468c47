import type { tf } from '../../core/tf.js';

/**
 * The parts of TensorFlow.js's WebGPU backend (tfjs-backend-webgpu 4.22) that Fusebench's kernels use,
 * typed structurally so the engine never imports that package at load time (it is loaded on demand,
 * engine/backends/node.ts). Field names are the backend's own; they are public in its JavaScript.
 */
export interface GpuBufferLike {
  readonly size: number;
  readonly usage: number;
}

export interface GpuPassLike {
  setPipeline(pipeline: unknown): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
  end(): void;
}

export interface GpuDeviceLike {
  readonly limits: { maxComputeWorkgroupsPerDimension: number };
  readonly features: { has(name: string): boolean };
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean }): GpuBufferLike;
  createBindGroup(descriptor: { layout: unknown; entries: { binding: number; resource: unknown }[] }): unknown;
  createQuerySet(descriptor: { type: string; count: number }): unknown;
}

interface TensorData {
  resource: GpuBufferLike | null;
  dtype: string;
  shape: number[];
  values: ArrayLike<number> | null;
}

export type TensorInfo = tf.TensorInfo;

/** One uniform a program declares beyond tfjs's own (shapes and strides), in declaration order. */
export interface ProgramUniform {
  type: 'int32' | 'float32' | 'uint32';
  data: number[];
}

/**
 * A compute program in tfjs-backend-webgpu's own form (its `WebGPUProgram`): tfjs generates the
 * bindings (`result` for the output, one storage array per variable name) and a `uniforms` struct
 * holding every input's and the output's shape, then appends `getUserCode()`, which defines `main`.
 */
export interface WgslProgram {
  variableNames: string[];
  /** Components per element of each input binding: 4 binds it as `array<vec4<…>>`. */
  variableComponents: number[];
  outputComponent: number;
  outputShape: number[];
  /** Must name every compile-time choice in the code (tile sizes, vec4 paths, fused epilogues): tfjs caches pipelines by it. */
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** WGSL struct fields, e.g. `M : i32, N : i32,`, matching the uniform values passed at run time. */
  uniforms?: string;
  size?: boolean;
  /** How timings name it (tfjs uses the class name). */
  label: string;
  pipeline?: unknown;
  getUserCode(): string;
}

/** The backend fields the lean dispatch path (dispatch-cache.ts) reads and writes. */
export interface WebGpuBackendLike {
  device: GpuDeviceLike;
  tensorMap: { get(dataId: object): TensorData };
  pipelineCache: Record<string, unknown>;
  commandQueueOwnedIds: WeakSet<object>;
  activeTimers: { name: string; query: Promise<number> }[] | null | undefined;
  supportTimestampQuery: boolean;
  querySet: unknown;
  querySetCount: number;
  dispatchCountInPass: number;
  computePassEncoder: GpuPassLike | null;
  commandEncoder: { beginComputePass(descriptor: object): GpuPassLike } | null;
  bufferManager: { numBytesUsed: number };
  runWebGPUProgram(program: WgslProgram, inputs: TensorInfo[], dtype: tf.DataType, uniforms?: ProgramUniform[]): TensorInfo;
  recordAndSubmit(program: WgslProgram, output: TensorInfo, inputs: TensorInfo[], uniforms?: ProgramUniform[]): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): TensorInfo;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  getQueryTime(): Promise<number>;
}

/** Workgroups needed to cover `n` items with `per` items each. */
export const ceilDiv = (n: number, per: number) => Math.ceil(n / per);

/** Threads per workgroup of the elementwise and reduction programs. */
export const FLAT_WORKGROUP = 256;

/**
 * The geometry of a program with one invocation per item (`items` of them): flat dispatch, `main(index)`
 * as tfjs declares it. The backend folds an x dispatch over its per-dimension limit into x·y itself.
 */
export function flatGeometry(outputShape: number[], items: number) {
  return {
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [ceilDiv(items, FLAT_WORKGROUP), 1, 1] as [number, number, number],
    workgroupSize: [FLAT_WORKGROUP, 1, 1] as [number, number, number],
  };
}

/**
 * The geometry of a flat program (`flatGeometry`) for a subclass to set once it knows its item count:
 * `this.flat(items)` in its constructor.
 */
export abstract class FlatProgram {
  abstract readonly outputShape: number[];
  dispatchLayout!: { x: number[] };
  dispatch!: [number, number, number];
  workgroupSize!: [number, number, number];

  protected flat(items: number): void {
    Object.assign(this, flatGeometry(this.outputShape, items));
  }
}

/** `i32` uniforms from named values, in order, with the WGSL struct fields that declare them. */
export function intUniforms(values: Record<string, number>): { fields: string; data: ProgramUniform[] } {
  const names = Object.keys(values);
  return {
    fields: names.map((n) => `${n} : i32,`).join(' '),
    data: names.map((n) => ({ type: 'int32' as const, data: [values[n]!] })),
  };
}

/** A WGSL `var<private>` table of i32 constants (class → group maps): baked into the shader, part of its key. */
export function intTable(name: string, values: readonly number[]): string {
  return `var<private> ${name} : array<i32, ${values.length}> = array<i32, ${values.length}>(${values.join(', ')});`;
}
