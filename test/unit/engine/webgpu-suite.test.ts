import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../engine/core/tf.js';
import { FAMILIES, getFamily, implementationsOn } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { MODES, type Implementation } from '../../../engine/core/types.js';
import { checkEquivalence, drawInputs, disposeInputs } from '../../../engine/equivalence.js';
import { forward, prepare, TrainingSession, disposeStep } from '../../../engine/core/run.js';
import { deviceIdle } from '../../../engine/core/device-sync.js';
import { memoryPass } from '../../../engine/measure/memory.js';
import { MEMORY_TOLERANCE, predictedPeakBytes } from '../../../engine/measure/memory-prediction.js';
import { dispatchProfile } from '../../../engine/kernels/webgpu/dispatch-profile.js';
import { watchHost } from '../../../engine/kernels/webgpu/host-profile.js';
import { batchedLinear, setLeanDispatch, setLeanGradients } from '../../../engine/kernels/webgpu/index.js';
import { activate } from './backends.js';

/**
 * The WebGPU backend in-process, on whatever adapter Dawn finds: run by webgpu.test.ts in a child process
 * that sets SwiftShader's loader variables (they must be set before a process starts) and
 * FUSEBENCH_WEBGPU_SUITE=1; skipped in the ordinary test run. Every implementation that runs on webgpu
 * (Fusebench's WGSL kernels included) against each family's reference, both modes, on odd shapes
 * (channel counts not multiples of 4, non-square maps, ragged classes, batch 1, more than one 64×64
 * tile); the WGSL forms again at multiples of 4 (their vec4 paths); memory predictions, the dispatch
 * record, lean dispatch and lean gradients.
 */
const ON = process.env.FUSEBENCH_WEBGPU_SUITE === '1';

/** Odd shapes per family: one place, checked to cover every family with WGSL kernels (the others may use their own small shapes). */
const ODD: Record<string, object> = {
  replicate: { batch: 1, groups: 3, channels: 5, height: 3, width: 2 },
  bottleneck: { batch: 1, groups: 3, channels: 6, height: 5, width: 7, squeeze: 2 },
  gmp: { batch: 1, groups: 3, channels: 5, height: 3, width: 2 },
  'class-linear': { batch: 1, classesPerGroup: [3, 1, 2], groupChannels: 7, classChannels: 5 },
  'group-linear': { batch: 3, groups: 3, inFeatures: 19, outFeatures: 67 },
  batchnorm: { batch: 1, groups: 3, channels: 5, height: 3, width: 2 },
  'class-head': { batch: 1, classes: 3, classChannels: 6, reduction: 2 },
  'attribute-head': {
    batch: 1,
    inChannels: 5,
    groups: 3,
    groupChannels: 6,
    height: 3,
    width: 2,
    classesPerGroup: [2, 1, 3],
    classChannels: 6,
    squeeze: 2,
    reduction: 2,
  },
};

/** Multiples of 4: the vec4 loads and stores of the same kernels; group-linear spans several tiles. */
const ALIGNED: Record<string, object> = {
  bottleneck: { batch: 2, groups: 2, channels: 8, height: 3, width: 4, squeeze: 2 },
  gmp: { batch: 2, groups: 2, channels: 4, height: 2, width: 3 },
  'class-linear': { batch: 4, classesPerGroup: [2, 1, 3], groupChannels: 8, classChannels: 4 },
  'group-linear': { batch: 68, groups: 2, inFeatures: 20, outFeatures: 68 },
  batchnorm: { batch: 2, groups: 2, channels: 4, height: 2, width: 3 },
  'class-head': { batch: 4, classes: 3, classChannels: 8, reduction: 2 },
  'attribute-head': {
    batch: 2,
    inChannels: 8,
    groups: 2,
    groupChannels: 8,
    height: 2,
    width: 3,
    classesPerGroup: [2, 3],
    classChannels: 8,
    squeeze: 2,
    reduction: 2,
  },
};

const wgsl = (family: (typeof FAMILIES)[number]) =>
  (family.implementations as readonly Implementation<object>[]).filter((i) => i.backends?.includes('webgpu'));

describe.skipIf(!ON)('webgpu in-process (SwiftShader in CI)', () => {
  beforeAll(() => activate('webgpu'));
  afterAll(() => setLeanDispatch(true));

  it('has odd shapes for every family with WGSL kernels', () => {
    for (const family of FAMILIES.filter((f) => wgsl(f).length > 0)) expect(ODD, family.name).toHaveProperty([family.name]);
  });

  describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s', (name, family) => {
    it.each(MODES)('every implementation on webgpu equals the reference on odd shapes (%s)', async (mode) => {
      const config = parseConfig(family, ODD[name] ?? family.small);
      const before = tf.memory().numTensors;
      const results = await checkEquivalence({ family, config, mode, backend: 'webgpu', seed: 11 });
      expect(tf.memory().numTensors).toBe(before);
      expect(results.map((r) => r.implementation)).toEqual(
        implementationsOn(family, 'webgpu')
          .slice(1)
          .map((i) => i.name),
      );
      for (const r of results) expect(r, r.message).toMatchObject({ pass: true, tolerance: 1e-4 });
    });

    it.skipIf(!ALIGNED[name]).each(MODES)('its WGSL forms equal the reference at multiples of 4 (%s)', async (mode) => {
      const config = parseConfig(family, ALIGNED[name]);
      const results = await checkEquivalence({
        family,
        config,
        mode,
        backend: 'webgpu',
        seed: 12,
        implementations: wgsl(family).map((i) => i.name),
      });
      expect(results).toHaveLength(wgsl(family).length);
      for (const r of results) expect(r.pass, r.message).toBe(true);
    });

    it.skipIf(!ALIGNED[name])('its WGSL forms allocate what their formulas predict (inference, GPU buffers)', async () => {
      // A batch of 32 makes tfjs's own small buffers (uniforms of its Slice, Concat, Pack) negligible beside the tensors.
      const config = parseConfig<object>(family, { ...ALIGNED[name], batch: 32 });
      const inputs = drawInputs(family, config, 3);
      for (const impl of wgsl(family)) {
        const p = prepare(impl, inputs.serial, config);
        const watch = watchHost();
        tf.dispose(forward(p, inputs.x, config));
        const { dispatches } = watch.stop();
        await deviceIdle();
        const pass = await memoryPass(() => forward(p, inputs.x, config));
        const predicted = predictedPeakBytes(family, impl, config, 'inference', pass.source);
        p.dispose();
        expect(pass.source).toBe('gpu-buffers');
        // tf.profile times each dispatch through a 16-byte staging buffer, held until the call ends.
        const measured = pass.peakBytes - 16 * dispatches;
        expect(Math.abs(measured / predicted - 1), `${impl.name}: measured ${measured} B, predicted ${predicted} B`).toBeLessThanOrEqual(
          MEMORY_TOLERANCE,
        );
      }
      disposeInputs(inputs);
    });
  });

  it('records dispatches, host cost per dispatch and device time per kernel', async () => {
    const family = getFamily('attribute-head');
    const config = parseConfig<object>(family, ALIGNED['attribute-head']);
    const inputs = drawInputs(family, config, 4);
    const p = prepare(
      wgsl(family).find((i) => i.role === 'parallel')!,
      inputs.serial,
      config,
    );
    const d = (await dispatchProfile(() => forward(p, inputs.x, config)))!;
    p.dispose();
    disposeInputs(inputs);
    expect(d.kernels).toBeGreaterThanOrEqual(8);
    expect(d.hostUsPerDispatch).toBeGreaterThan(0);
    expect(d.byKernel.map((k) => k.name)).toEqual(
      expect.arrayContaining(['FusebenchGroupedConv2D', 'FusebenchBatchNorm', 'FusebenchSegmentedMax']),
    );
    expect(d.byKernel.find((k) => k.name === 'FusebenchGroupedConv2D')!.count).toBe(4);
    expect(d.deviceMs).toBeGreaterThanOrEqual(0);
  });

  it('lean dispatch computes what tfjs’s own path computes, bit for bit', async () => {
    const x = tf.randomNormal([5, 3, 7], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 7, 6], 0, 1, 'float32', 2);
    setLeanDispatch(false);
    const viaTfjs = await batchedLinear(x, w).data();
    setLeanDispatch(true);
    tf.dispose(batchedLinear(x, w));
    const lean = await batchedLinear(x, w).data();
    expect(Array.from(lean)).toEqual(Array.from(viaTfjs));
    tf.dispose([x, w]);
  });

  it('a training step uploads no input-sized buffer, and its gradients are tfjs’s own bit for bit', async () => {
    const family = getFamily('batchnorm');
    const config = parseConfig<{ batch: number; height: number; width: number; groups: number; channels: number }>(family, {
      batch: 2,
      groups: 3,
      channels: 5,
      height: 4,
      width: 3,
    });
    const inputs = drawInputs(family, config, 5);
    const p = prepare(
      family.implementations.find((i) => i.name === 'parallel.fusedBatchNorm')!,
      inputs.serial,
      config,
    );
    const grads = async (lean: boolean) => {
      setLeanGradients(lean);
      const session = new TrainingSession(p, inputs.x, inputs.probe, config);
      disposeStep(session.step());
      await deviceIdle();
      const watch = watchHost();
      const step = session.step();
      const uploaded = watch.stop().bytesUploaded;
      const values = Array.from(await step.inputGrad.data());
      disposeStep(step);
      session.dispose();
      return { uploaded, values };
    };
    const stock = await grads(false);
    const lean = await grads(true);
    p.dispose();
    disposeInputs(inputs);
    const inputBytes = 4 * config.batch * config.height * config.width * config.groups * config.channels;
    expect(stock.uploaded).toBeGreaterThanOrEqual(inputBytes);
    expect(lean.uploaded).toBeLessThan(inputBytes);
    expect(lean.values).toEqual(stock.values);
  });
});
