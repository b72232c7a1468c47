import { implementationsOn } from '../../../engine/families/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../engine/core/tf.js';
import { FAMILIES } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { MODES, type WeightSet } from '../../../engine/core/types.js';
import { randomInput } from '../../../engine/equivalence.js';
import { disposeWeights, pytorchForm } from '../../../engine/weights.js';
import { useBackend } from '../../../engine/backends/node.js';
import { TorchWorker } from '../../../engine/torch/worker-process.js';
import { verifyTorch, TORCH_CPU_TOLERANCE } from '../../../engine/torch/verify-torch.js';
import { loadEngineLayer } from '../../../engine/torch/layer.js';
import { TORCH, reportSkip, zombieChildren } from './torch-available.js';

reportSkip('torch/equivalence.test.ts');

/**
 * The cross-framework proof on the torch CPU backend: every torch implementation of every family, both
 * modes, against the TypeScript serial reference on tfjs-cpu (outputs, gradients as one vector, running
 * statistics), and the worker's PyTorch modules hold exactly the names and shapes of docs/pytorch.md.
 */
describe.skipIf(!TORCH)('torch backend (CPU)', () => {
  let worker: TorchWorker;
  beforeAll(async () => {
    await useBackend('cpu');
    worker = await TorchWorker.start({ device: 'cpu' });
  });
  afterAll(async () => {
    await worker?.dispose();
    expect(await zombieChildren()).toEqual([]);
  });

  it('runs every TypeScript implementation, and has a PyTorch weight layout for each of its own', () => {
    for (const family of FAMILIES) {
      const torchNames = worker.info.implementations[family.name]!;
      for (const impl of family.implementations.filter((i) => !i.backends)) expect(torchNames, family.name).toContain(impl.name);
      for (const name of torchNames.filter((n) => n.startsWith('parallel.')))
        expect(Object.keys(family.pytorch!.parallel), family.name).toContain(name);
    }
    expect(worker.info).toMatchObject({ protocol: 1, device: 'cpu', cudaAvailable: false });
    // The list plans are made from, before any worker starts, is the worker's own.
    for (const family of FAMILIES)
      expect(implementationsOn(family, 'torch').map((i) => i.name)).toEqual(worker.info.implementations[family.name]);
  });

  describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s', (_name, family) => {
    it.each(MODES)('every torch implementation equals the TypeScript serial reference (%s)', async (mode) => {
      const before = tf.memory().numTensors;
      const rows = await verifyTorch({ family: family.name, modes: [mode], seed: 11, worker });
      expect(tf.memory().numTensors).toBe(before);
      expect(rows.map((r) => r.implementation)).toEqual(worker.info.implementations[family.name]);
      for (const r of rows) {
        expect(r.tolerance).toBe(TORCH_CPU_TOLERANCE);
        expect(r.pass, r.message).toBe(true);
        if (mode === 'training') expect(r.gradientRelErr).toBeLessThanOrEqual(TORCH_CPU_TOLERANCE);
        const hasBatchNorm = family.pytorch!.serial(parseConfig(family, family.small)).some((t) => t.buffer);
        expect(r.runningStatsRelErr !== undefined).toBe(mode === 'training' && hasBatchNorm);
      }
    });

    it("each torch module's state dict is the documented PyTorch layout", async () => {
      const config = parseConfig<object>(family, family.small);
      const weights = tf.tidy(() => family.init(config, 2) as unknown as tf.TensorContainer) as unknown as WeightSet;
      const x = randomInput(family.inputShape(config), 3);
      try {
        for (const name of worker.info.implementations[family.name]!) {
          const loaded = await loadEngineLayer(worker, { family, config, implementation: name, mode: 'inference', weights, input: x });
          await worker.free(loaded.handle);
          const expected = pytorchForm(family, config, name).tensors;
          const held = { ...loaded.parameters, ...loaded.buffers };
          expect(held, name).toEqual(Object.fromEntries(expected.map((t) => [t.name, [...t.shape]])));
          expect(Object.keys(loaded.buffers).sort(), name).toEqual(
            expected
              .filter((t) => t.buffer)
              .map((t) => t.name)
              .sort(),
          );
        }
      } finally {
        disposeWeights(weights);
        x.dispose();
      }
    });
  });

  it('verifies a user checkpoint (weights given) and channels_last', async () => {
    const family = FAMILIES.find((f) => f.name === 'bottleneck')!;
    const config = parseConfig<object>(family, family.small);
    const weights = tf.tidy(() => family.init(config, 99) as unknown as tf.TensorContainer) as unknown as WeightSet;
    try {
      const rows = await verifyTorch({ family: 'bottleneck', seed: 5, weights, worker, options: { channelsLast: true } });
      expect(rows.length).toBe(2 * worker.info.implementations.bottleneck!.length);
      for (const r of rows) expect(r.pass, r.message).toBe(true);
    } finally {
      disposeWeights(weights);
    }
  });

  it('refuses channels_last for a family whose input is not a 4-D feature map, naming the option', async () => {
    const family = FAMILIES.find((f) => f.name === 'class-head')!;
    const config = parseConfig<object>(family, family.small);
    const weights = tf.tidy(() => family.init(config, 99) as unknown as tf.TensorContainer) as unknown as WeightSet;
    try {
      await expect(verifyTorch({ family: 'class-head', seed: 5, weights, worker, options: { channelsLast: true } })).rejects.toThrow(
        /channelsLast applies to 4-D feature maps; class-head/,
      );
    } finally {
      disposeWeights(weights);
    }
  });
});
