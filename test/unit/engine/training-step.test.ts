import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../engine/core/tf.js';
import { FAMILIES, getFamily } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { prepare, TrainingSession, disposeStep } from '../../../engine/core/run.js';
import { BN_MOMENTUM } from '../../../engine/core/ops.js';
import { drawInputs, disposeInputs } from '../../../engine/equivalence.js';
import { runsOn, type Implementation } from '../../../engine/core/types.js';
import { activate } from './backends.js';

const registeredVariables = () => Object.keys((tf.engine() as unknown as { registeredVariables: object }).registeredVariables).length;

/** A training sample must hold the layer's work and nothing else (DESIGN.md §4). */
describe('a training step is a training step', () => {
  beforeAll(() => activate('cpu'));

  describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s', (_n, family) => {
    it.each(family.implementations.filter((i) => runsOn(i, 'cpu')).map((i) => [i.name, i] as const))(
      '%s: no weight copy, no variable, no toSerial and no leftover tensor inside a step',
      (_i, impl) => {
        const config = parseConfig<object>(family, family.small);
        const inputs = drawInputs(family, config, 3);
        const spied = { ...(impl as Implementation<object>) };
        let conversions = 0;
        spied.toSerial = (own, c) => {
          conversions += 1;
          return impl.toSerial(own, c);
        };
        spied.toParallel = (w, c) => {
          conversions += 1;
          return impl.toParallel(w, c);
        };
        const p = prepare(spied, inputs.serial, config);
        const session = new TrainingSession(p, inputs.x, inputs.probe, config);
        conversions = 0;
        const variables = registeredVariables();
        const tensors = tf.memory().numTensors;
        const kept = (r: ReturnType<typeof session.step>) => 2 + Object.keys(r.grads).length;
        for (let i = 0; i < 3; i++) {
          const step = session.step();
          // What a step leaves: the loss, the input gradient and one gradient per weight, nothing more.
          expect(tf.memory().numTensors - tensors).toBe(kept(step));
          expect(Object.keys(step.grads).sort()).toEqual(Object.keys(p.weights.trainable).sort());
          disposeStep(step);
        }
        expect(tf.memory().numTensors).toBe(tensors);
        expect(registeredVariables()).toBe(variables);
        expect(conversions).toBe(0);
        session.dispose();
        p.dispose();
        disposeInputs(inputs);
      },
    );
  });

  it('BatchNorm in training updates the running statistics as PyTorch does (momentum 0.1, unbiased variance)', () => {
    const family = getFamily('batchnorm');
    const config = parseConfig<{ batch: number; height: number; width: number; channels: number; groups: number }>(family, family.small);
    const inputs = drawInputs(family, config, 5);
    const p = prepare(family.implementations[0]!, inputs.serial, config);
    const session = new TrainingSession(p, inputs.x, inputs.probe, config);
    disposeStep(session.step());
    const n = config.batch * config.height * config.width;
    const slice = tf.slice(inputs.x, [0, 0, 0, 0], [config.batch, config.height, config.width, config.channels]);
    const { mean, variance } = tf.moments(slice, [0, 1, 2]);
    const expectedMean = tf.add(tf.mul(inputs.serial.buffers['g0.bn.mean']!, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM));
    const expectedVar = tf.add(
      tf.mul(inputs.serial.buffers['g0.bn.variance']!, 1 - BN_MOMENTUM),
      tf.mul(variance, (BN_MOMENTUM * n) / (n - 1)),
    );
    const stats = session.runningStatistics();
    expect(Array.from(stats['g0.bn.mean']!.dataSync())).toEqual(Array.from(expectedMean.dataSync()).map((v) => expect.closeTo(v, 6)));
    expect(Array.from(stats['g0.bn.variance']!.dataSync())).toEqual(Array.from(expectedVar.dataSync()).map((v) => expect.closeTo(v, 6)));
    // Inference reads the updated statistics; the weights the session started from are untouched.
    expect(Array.from(p.weights.buffers['g0.bn.mean']!.dataSync())).toEqual(Array.from(inputs.serial.buffers['g0.bn.mean']!.dataSync()));
    tf.dispose([slice, mean, variance, expectedMean, expectedVar]);
    session.dispose();
    p.dispose();
    disposeInputs(inputs);
  });
});
