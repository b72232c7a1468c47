import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { tf } from '../../../engine/core/tf.js';
import { FAMILIES } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { checkEquivalence, randomInput } from '../../../engine/equivalence.js';
import { prepare, forward, TrainingSession, disposeStep } from '../../../engine/core/run.js';
import { countElements } from '../../../engine/core/ops.js';
import { implementationFormulas } from '../../../engine/formulas.js';
import { MODES, runsOn } from '../../../engine/core/types.js';
import { implementationsOn } from '../../../engine/families/index.js';
import { configArbitrary } from './arbitraries.js';
import { IN_PROCESS_BACKENDS, activate } from './backends.js';

/** Whether a config meets the family's training-mode rules (tested on their own in validation tests). */
function trainable(family: (typeof FAMILIES)[number], config: object): boolean {
  try {
    family.trainingRules?.(config);
    return true;
  } catch {
    return false;
  }
}

/**
 * The one contract every family keeps, checked for every family × implementation × mode × backend:
 * parallel equals serial on random configs and inputs, parameters match the formulas, nothing leaks.
 */
describe.each(IN_PROCESS_BACKENDS)('on %s', (backend) => {
  beforeAll(() => activate(backend));

  describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s', (_name, family) => {
    it.each(MODES)('every parallel implementation equals the serial reference (%s, random configs)', async (mode) => {
      await fc.assert(
        fc.asyncProperty(configArbitrary(family), fc.integer({ min: 1, max: 1_000_000 }), async (raw, seed) => {
          const config = parseConfig(family, raw);
          if (mode === 'training') fc.pre(trainable(family, config));
          const before = tf.memory().numTensors;
          const results = await checkEquivalence({ family, config, mode, backend, seed });
          expect(tf.memory().numTensors).toBe(before);
          expect(results.map((r) => r.implementation)).toEqual(
            implementationsOn(family, backend)
              .slice(1)
              .map((i) => i.name),
          );
          // A listed backend defect may fail (known-defects.test.ts proves it still does); nothing else may.
          for (const r of results) if (!r.knownDefect) expect(r.pass, `${r.message} config ${JSON.stringify(config)}`).toBe(true);
        }),
        { numRuns: 4 },
      );
    });

    it.each(family.implementations.filter((i) => runsOn(i, backend)).map((i) => [i.name, i] as const))(
      '%s leaks no tensor in forward, training or conversion',
      (_n, impl) => {
        const config = parseConfig(family, family.small);
        const before = tf.memory().numTensors;
        const serial = tf.tidy(() => family.init(config, 5) as unknown as tf.TensorContainer) as unknown as ReturnType<typeof family.init>;
        const x = randomInput(family.inputShape(config), 6);
        const p = prepare(impl, serial, config);
        const out = forward(p, x, config);
        expect(out.shape).toEqual(family.outputShape(config));
        const probe = tf.onesLike(out);
        const session = new TrainingSession(p, x, probe, config);
        const step = session.step(true);
        expect(step.output!.shape).toEqual(out.shape);
        disposeStep(step);
        session.dispose();
        tf.dispose([out, probe, x, ...Object.values(serial.trainable), ...Object.values(serial.buffers)]);
        p.dispose();
        expect(tf.memory().numTensors).toBe(before);
      },
    );
  });
});

describe('parameters counted equal the formulas', () => {
  beforeAll(() => activate('cpu'));

  it.each(FAMILIES.map((f) => [f.name, f] as const))(
    "%s: serial params, buffers and each layout's stored params",
    async (_name, family) => {
      await fc.assert(
        fc.property(configArbitrary(family), (raw) => {
          const config = parseConfig(family, raw);
          const formulas = family.formulas(config);
          const serial = tf.tidy(() => family.init(config, 1) as unknown as tf.TensorContainer) as unknown as ReturnType<
            typeof family.init
          >;
          try {
            expect(countElements(serial.trainable)).toBe(formulas.params);
            expect(countElements(serial.buffers)).toBe(formulas.bufferElements);
            for (const impl of family.implementations) {
              const p = prepare(impl, serial, config);
              expect(countElements(p.weights.trainable), impl.name).toBe(implementationFormulas(family, impl.name, config).storedParams);
              expect(countElements(p.weights.buffers), impl.name).toBe(formulas.bufferElements);
              p.dispose();
            }
          } finally {
            tf.dispose([...Object.values(serial.trainable), ...Object.values(serial.buffers)]);
          }
        }),
        { numRuns: 5 },
      );
    },
  );
});
