import { tf } from '../../core/tf.js';
import type { GpuBufferLike, ProgramUniform, TensorInfo, WebGpuBackendLike, WgslProgram } from './program.js';

/** GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST (numeric, so the engine needs no WebGPU globals at load). */
const UNIFORM_USAGE = 0x40 | 0x08;

/** What the first run of a program at one shape leaves for every later run at that shape. */
interface ShapeEntry {
  pipeline: unknown;
  dispatch: [number, number, number];
  /** The uniform values of this shape, written once into a buffer of its own. */
  uniform: GpuBufferLike;
  label: string;
}

/** Bind groups kept per pipeline and buffers; buffers come from tfjs's pool, so the same ones recur step after step. */
const MAX_BIND_GROUPS = 4096;

interface BackendCache {
  shapes: Map<string, ShapeEntry>;
  bindGroups: Map<string, unknown>;
}

const caches = new WeakMap<object, BackendCache>();
const ids = new WeakMap<object, number>();
let nextId = 1;

function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

function cacheOf(backend: WebGpuBackendLike): BackendCache {
  let c = caches.get(backend);
  if (!c) {
    c = { shapes: new Map(), bindGroups: new Map() };
    caches.set(backend, c);
  }
  return c;
}

/** Dispatches recorded by Fusebench's programs since the process started (both paths), for dispatch-profile.ts. */
export const dispatchCounter = { fusebench: 0, cached: 0 };

let lean = true;

/**
 * Lean dispatch on (the default) or off: off, every run goes through tfjs's runWebGPUProgram, as its own
 * kernels do (for before/after measurements of the per-dispatch host cost: bench/training-step.ts).
 */
export function setLeanDispatch(on: boolean): void {
  lean = on;
}

/** The tfjs uniform layout (NaN, Infinity, each shape and its strides, then the program's own), as its makeUniforms packs it. */
function uniformBytes(inputs: TensorInfo[], output: TensorInfo, own: ProgramUniform[]): ArrayBuffer {
  const fields: ProgramUniform[] = [
    { type: 'float32', data: [NaN] },
    { type: 'float32', data: [Infinity] },
  ];
  for (const shape of [...inputs, output].map((t) => t.shape)) {
    fields.push({ type: 'int32', data: shape.length === 0 ? [1] : shape });
    const strides = tf.util.computeStrides(shape);
    fields.push({ type: 'int32', data: strides.length === 0 ? [1] : strides });
  }
  fields.push(...own);
  const alignOf = (n: number) => (n === 1 ? 4 : n === 2 ? 8 : 16);
  let offset = 0;
  let maxAlign = 1;
  let previous = 0;
  const offsets = fields.map((f) => {
    let align = alignOf(f.data.length);
    if (previous === 5 || previous === 6) align = 16;
    maxAlign = Math.max(maxAlign, align);
    offset = Math.ceil(offset / align) * align;
    const at = offset;
    offset += f.data.length * 4;
    previous = f.data.length;
    return at;
  });
  const bytes = new ArrayBuffer(Math.ceil(offset / maxAlign) * maxAlign);
  fields.forEach((f, i) => {
    const at = offsets[i]!;
    if (f.type === 'int32') new Int32Array(bytes, at, f.data.length).set(f.data);
    else if (f.type === 'uint32') new Uint32Array(bytes, at, f.data.length).set(f.data);
    else new Float32Array(bytes, at, f.data.length).set(f.data);
  });
  return bytes;
}

function shapeKey(program: WgslProgram, inputs: TensorInfo[], dtype: tf.DataType, uniforms: ProgramUniform[]): string {
  return [
    program.shaderKey,
    program.dispatch.join(','),
    dtype,
    ...inputs.map((t) => `${t.dtype}[${t.shape.join(',')}]`),
    `[${program.outputShape.join(',')}]`,
    ...uniforms.map((u) => `${u.type[0]}${u.data.join(',')}`),
  ].join('|');
}

/**
 * Runs a program on tfjs's WebGPU backend, sharing its buffers, command encoder, pipeline cache and
 * timestamp queries. The first run at a shape goes through the backend's own `runWebGPUProgram`
 * (which compiles and caches the pipeline); every later run at that shape takes the lean path: no
 * shader-key string, no fresh uniform buffer and no new bind group per dispatch (tfjs makes all three
 * per dispatch), only the pipeline, a cached bind group and the dispatch. Recording follows the
 * backend's recordAndSubmit exactly: one compute pass shared by dispatches, a pass of its own with
 * timestamp writes while tf.time()/tf.profile() run, and a submit every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE
 * dispatches.
 *
 * @example const out = runProgram(backend, new SomeProgram(...), [x], 'float32', uniforms);
 */
export function runProgram(
  backend: WebGpuBackendLike,
  program: WgslProgram,
  inputs: TensorInfo[],
  dtype: tf.DataType,
  uniforms: ProgramUniform[] = [],
): TensorInfo {
  const cache = cacheOf(backend);
  const key = shapeKey(program, inputs, dtype, uniforms);
  const entry = cache.shapes.get(key);
  dispatchCounter.fusebench += 1;
  if (!entry) return firstRun(backend, cache, key, program, inputs, dtype, uniforms);
  if (!lean) return tfjsRun(backend, program, inputs, dtype, uniforms);
  dispatchCounter.cached += 1;

  const output = backend.makeTensorInfo(program.outputShape, dtype);
  backend.uploadToGPU(output.dataId);
  for (const input of inputs) backend.uploadToGPU(input.dataId);
  const buffers = [output, ...inputs].map((t) => backend.tensorMap.get(t.dataId).resource!);
  const groupKey = `${idOf(entry.pipeline as object)}|${buffers.map((b) => idOf(b)).join(',')}|${idOf(entry.uniform)}`;
  let bindGroup = cache.bindGroups.get(groupKey);
  if (bindGroup === undefined) {
    bindGroup = backend.device.createBindGroup({
      layout: (entry.pipeline as { getBindGroupLayout(i: number): unknown }).getBindGroupLayout(0),
      entries: [...buffers, entry.uniform].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    if (cache.bindGroups.size >= MAX_BIND_GROUPS) cache.bindGroups.delete(cache.bindGroups.keys().next().value!);
    cache.bindGroups.set(groupKey, bindGroup);
  }
  // The buffers are in flight until the next submit: tfjs defers their release until then.
  for (const t of [output, ...inputs]) backend.commandQueueOwnedIds.add(t.dataId);
  record(backend, entry, bindGroup);
  return output;
}

/** tfjs's own path: shader key, uniform buffer and bind group made anew for this dispatch. */
function tfjsRun(
  backend: WebGpuBackendLike,
  program: WgslProgram,
  inputs: TensorInfo[],
  dtype: tf.DataType,
  uniforms: ProgramUniform[],
): TensorInfo {
  // runWebGPUProgram extends program.shaderKey into its full pipeline key; programs are reused across
  // calls (kernels memoise them per shape), so the key must be the same short one at every call.
  const shaderKey = program.shaderKey;
  const output = backend.runWebGPUProgram(program, inputs, dtype, uniforms);
  program.shaderKey = shaderKey;
  return output;
}

function firstRun(
  backend: WebGpuBackendLike,
  cache: BackendCache,
  key: string,
  program: WgslProgram,
  inputs: TensorInfo[],
  dtype: tf.DataType,
  uniforms: ProgramUniform[],
): TensorInfo {
  const output = tfjsRun(backend, program, inputs, dtype, uniforms);
  const bytes = uniformBytes(inputs, output, uniforms);
  const uniform = backend.device.createBuffer({ size: bytes.byteLength, usage: UNIFORM_USAGE });
  (backend as unknown as { queue: { writeBuffer(b: GpuBufferLike, o: number, d: ArrayBuffer): void } }).queue.writeBuffer(
    uniform,
    0,
    bytes,
  );
  cache.shapes.set(key, { pipeline: program.pipeline, dispatch: [...program.dispatch], uniform, label: program.label });
  return output;
}

function record(backend: WebGpuBackendLike, entry: ShapeEntry, bindGroup: unknown): void {
  const timed = backend.activeTimers != null;
  backend.ensureCommandEncoderReady();
  if (timed && backend.supportTimestampQuery) {
    backend.endComputePassEncoder();
    backend.querySet ??= backend.device.createQuerySet({ type: 'timestamp', count: backend.querySetCount });
    backend.computePassEncoder = backend.commandEncoder!.beginComputePass({
      timestampWrites: { querySet: backend.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (!backend.computePassEncoder) {
    backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  }
  const pass = backend.computePassEncoder!;
  pass.setPipeline(entry.pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...entry.dispatch);
  backend.dispatchCountInPass += 1;
  if (timed || tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    if (timed) backend.activeTimers!.push({ name: entry.label, query: backend.getQueryTime() });
    else backend.submitQueue();
  }
}
