/**
 * The host side of a WebGPU training step (issue #11, item 2), before and after, in one run: per step
 * its host time (JavaScript until step() returns: tfjs bookkeeping, encoding, uploads), its wall time to
 * the device being idle, its device time (timestamp queries), and what the host did for the GPU —
 * dispatches, GPU buffers created, buffers taken from tfjs's pool, uploads. "before" runs tfjs's stock
 * Sum/Mean gradients (an input-sized ones() filled in JavaScript and uploaded per step); "after" the
 * device-side ones (engine/kernels/webgpu/lean-gradients.ts). Each family's tfjs form and WGSL form
 * are both shown. Then the host cost of one dispatch: a tfjs kernel, a Fusebench kernel through tfjs's
 * runWebGPUProgram, and the same through the lean path (engine/kernels/webgpu/dispatch-cache.ts).
 * While the host is timed nothing is submitted (one submit per step, at the end): on SwiftShader the
 * "GPU" is this CPU, and shaders running beside the JavaScript would be charged to the host.
 *
 *   npm run bench:step [-- --family batchnorm --config '{"batch": 8}' --steps 5]
 */
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { useBackend } from '../engine/backends/node.js';
import { tf } from '../engine/core/tf.js';
import { getFamily } from '../engine/families/index.js';
import { parseConfig } from '../engine/core/config.js';
import { prepare, TrainingSession, disposeStep } from '../engine/core/run.js';
import { drawInputs, disposeInputs } from '../engine/equivalence.js';
import { deviceIdle } from '../engine/core/device-sync.js';
import { describeError } from '../engine/core/errors.js';
import { batchedLinear, setLeanDispatch, setLeanGradients } from '../engine/kernels/webgpu/index.js';
import { watchHost, type HostCounts } from '../engine/kernels/webgpu/host-profile.js';
import type { Implementation } from '../engine/core/types.js';

/** Shapes a CPU (SwiftShader) runs in seconds yet large enough that per-step uploads show. */
const DEFAULTS: Record<string, { config: object; implementations: string[] }> = {
  replicate: { config: { batch: 8, groups: 12, channels: 32, height: 14, width: 14 }, implementations: ['parallel.tile'] },
  batchnorm: {
    config: { batch: 8, groups: 12, channels: 32, height: 14, width: 14 },
    implementations: ['parallel.fusedBatchNorm', 'parallel.fusedBatchNormWgsl'],
  },
  bottleneck: {
    config: { batch: 4, groups: 4, channels: 32, height: 14, width: 14 },
    implementations: ['parallel.im2colBatchedMatmul', 'parallel.groupedConvWgsl'],
  },
  'class-head': {
    config: { batch: 32, classes: 40, classChannels: 64 },
    implementations: ['parallel.batchedMatmul', 'parallel.batchedMatmulWgsl'],
  },
};

const { values } = parseArgs({ options: { family: { type: 'string' }, config: { type: 'string' }, steps: { type: 'string' } } });
const steps = Number(values.steps ?? 5);

try {
  const backend = await useBackend('webgpu');
  console.log(`training step, host side · webgpu (${backend.device}) · ${steps} steps each, after 2 warm-up steps`);
} catch (err) {
  console.error(`bench:step needs the webgpu backend: ${describeError(err)}`);
  process.exit(1);
}

const SUBMIT_BATCH = 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE';
const tfjsSubmitBatch = tf.env().getNumber(SUBMIT_BATCH);
/** Runs `f` with tfjs submitting its command buffer only when the engine waits for the device. */
async function withoutSubmits<T>(f: () => Promise<T>): Promise<T> {
  tf.env().set(SUBMIT_BATCH, Number.MAX_SAFE_INTEGER);
  try {
    return await f();
  } finally {
    tf.env().set(SUBMIT_BATCH, tfjsSubmitBatch);
  }
}

interface StepFigures extends HostCounts {
  hostMs: number;
  wallMs: number;
  deviceMs: number;
}

const zero = (): StepFigures => ({
  hostMs: 0,
  wallMs: 0,
  deviceMs: 0,
  dispatches: 0,
  buffersCreated: 0,
  bytesCreated: 0,
  buffersAcquired: 0,
  uploads: 0,
  bytesUploaded: 0,
});

/** One step with stock or lean gradients, its figures added to `sum`. */
async function timedStep(session: TrainingSession<object>, lean: boolean, sum: StepFigures): Promise<void> {
  setLeanGradients(lean);
  const watch = watchHost();
  const started = performance.now();
  const result = session.step();
  sum.hostMs += performance.now() - started;
  const counts = watch.stop();
  disposeStep(result);
  await deviceIdle();
  sum.wallMs += performance.now() - started;
  for (const k of Object.keys(counts) as (keyof HostCounts)[]) sum[k] += counts[k];
}

/**
 * Before (stock gradients) and after (lean), steps interleaved so that neither is charged the other's
 * garbage collection or the machine's load of the moment; per step means, device time from one tf.time().
 */
async function measure(session: TrainingSession<object>): Promise<[StepFigures, StepFigures]> {
  const sums = [zero(), zero()] as const;
  for (let i = 0; i < 2; i++) for (const lean of [false, true]) await timedStep(session, lean, zero());
  for (let i = 0; i < steps; i++) for (const lean of [false, true]) await timedStep(session, lean, sums[lean ? 1 : 0]);
  const figures = [] as StepFigures[];
  for (const lean of [false, true]) {
    setLeanGradients(lean);
    const timed = await tf.time(() => disposeStep(session.step()));
    await deviceIdle();
    const per = Object.fromEntries(Object.entries(sums[lean ? 1 : 0]).map(([k, v]) => [k, v / steps])) as unknown as StepFigures;
    figures.push({ ...per, deviceMs: typeof timed.kernelMs === 'number' ? timed.kernelMs : NaN });
  }
  setLeanGradients(true);
  return [figures[0]!, figures[1]!];
}

const row = (label: string, f: StepFigures) =>
  [
    label.padEnd(44),
    f.hostMs.toFixed(2).padStart(9),
    f.wallMs.toFixed(1).padStart(9),
    f.deviceMs.toFixed(1).padStart(9),
    String(Math.round(f.dispatches)).padStart(6),
    `${Math.round(f.buffersCreated)} (${(f.bytesCreated / 1e6).toFixed(2)} MB)`.padStart(18),
    String(Math.round(f.buffersAcquired)).padStart(8),
    `${Math.round(f.uploads)} (${(f.bytesUploaded / 1e6).toFixed(2)} MB)`.padStart(18),
  ].join(' ');

console.log(
  [
    'family · implementation · gradients'.padEnd(44),
    'host ms'.padStart(9),
    'wall ms'.padStart(9),
    'device ms'.padStart(9),
    'disp.'.padStart(6),
    'buffers created'.padStart(18),
    'pooled'.padStart(8),
    'uploads'.padStart(18),
  ].join(' '),
);
for (const [name, defaults] of Object.entries(DEFAULTS).filter(([n]) => !values.family || n === values.family)) {
  const family = getFamily(name);
  const config = parseConfig<object>(family, { ...defaults.config, ...(values.config ? (JSON.parse(values.config) as object) : {}) });
  const inputs = drawInputs(family, config, 1);
  for (const implName of defaults.implementations) {
    const impl = family.implementations.find((i) => i.name === implName) as Implementation<object>;
    const prepared = prepare(impl, inputs.serial, config);
    const session = new TrainingSession(prepared, inputs.x, inputs.probe, config);
    const [before, after] = await withoutSubmits(() => measure(session));
    console.log(row(`${name} · ${implName} · before`, before));
    console.log(row(`${name} · ${implName} · after`, after));
    session.dispose();
    prepared.dispose();
  }
  disposeInputs(inputs);
}
setLeanGradients(true);

/** Host µs per call of `call` (one dispatch each), over `calls` calls recorded back to back. */
async function hostUs(call: () => tf.Tensor, calls = 300): Promise<number> {
  for (let i = 0; i < 3; i++) tf.dispose(call());
  await deviceIdle();
  const watch = watchHost();
  const started = performance.now();
  for (let i = 0; i < calls; i++) tf.dispose(call());
  const ms = performance.now() - started;
  const { dispatches } = watch.stop();
  await deviceIdle();
  return (ms * 1000) / dispatches;
}

{
  const x = tf.randomNormal([32, 12, 64], 0, 1, 'float32', 1);
  const w = tf.randomNormal([12, 64, 64], 0, 1, 'float32', 2);
  const xt = tf.transpose(x, [1, 0, 2]);
  const tfjs = await withoutSubmits(() => hostUs(() => tf.matMul(xt as tf.Tensor3D, w as tf.Tensor3D)));
  setLeanDispatch(false);
  const viaTfjs = await withoutSubmits(() => hostUs(() => batchedLinear(x, w)));
  setLeanDispatch(true);
  const lean = await withoutSubmits(() => hostUs(() => batchedLinear(x, w)));
  console.log(
    `host µs per dispatch (batched matmul [12 × 32×64·64×64]): tfjs BatchMatMul ${tfjs.toFixed(1)} · ` +
      `Fusebench GEMM via runWebGPUProgram ${viaTfjs.toFixed(1)} · same, lean path ${lean.toFixed(1)}`,
  );
  tf.dispose([x, w, xt]);
}
console.log('host ms: JavaScript until step() returns; wall: to the device idle; device: timestamp queries (tf.time).');
console.log(`load average while measuring: ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`);
console.log('On SwiftShader (a CPU) device and wall times are the CPU running the shaders: GPU ratios remain to be taken on a GPU.');
