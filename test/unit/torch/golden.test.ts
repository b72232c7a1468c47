import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FAMILIES, implementationsOn } from '../../../engine/families/index.js';
import { MODES } from '../../../engine/core/types.js';
import { toFloat64, type HostTensors } from '../../../engine/core/host-tensor.js';
import { readSafetensorsFile } from '../../../engine/files/node-safetensors.js';
import { forwardLayer } from '../../../engine/node-forward.js';
import { vectorError } from '../../../engine/vector-error.js';
import { TorchWorker } from '../../../engine/torch/worker-process.js';
import { TORCH, reportSkip } from './torch-available.js';

reportSkip('torch/golden.test.ts');

/**
 * PyTorch's own answers (test/golden/, float64, written by scripts/make-golden.py from the torch worker's
 * modules and weights drawn in Python) read through `forward` on cpu, wasm and torch, for every
 * implementation each backend has: outputs within 1e-5 relative, gradients (as one vector) within 1e-4.
 */
const GOLDEN = 'test/golden';
const OUTPUT_TOLERANCE = 1e-5;
const GRADIENT_TOLERANCE = 1e-4;

function golden(family: string) {
  const read = (kind: string) => readSafetensorsFile(join(GOLDEN, `${family}.${kind}.safetensors`));
  const weights = read('weights');
  return {
    weights: weights.tensors,
    inputs: read('input').tensors,
    expected: read('expected').tensors,
    config: JSON.parse(weights.metadata.config!),
  };
}

function compare(expected: HostTensors, got: HostTensors, mode: string) {
  const output = vectorError([
    { name: 'output', expected: toFloat64(expected[`${mode}.output`]!), actual: got.output && toFloat64(got.output) },
  ]);
  const gradNames = Object.keys(expected).filter((k) => k.startsWith(`${mode}.grad.`));
  const grads = vectorError(
    gradNames.map((k) => ({
      name: k,
      expected: toFloat64(expected[k]!),
      actual: got[k.slice(mode.length + 1)] && toFloat64(got[k.slice(mode.length + 1)]!),
    })),
  );
  // Training also writes the running statistics after the step (state.*), which these files do not hold.
  const state = Object.keys(got).filter((k) => k.startsWith('state.'));
  expect(
    Object.keys(got)
      .filter((k) => !k.startsWith('state.'))
      .sort(),
  ).toEqual(['output', ...gradNames.map((k) => k.slice(mode.length + 1))].sort());
  if (mode === 'inference') expect(state).toEqual([]);
  else expect(state.every((k) => /\.running_(mean|var)$/.test(k))).toBe(true);
  return { output, grads };
}

const BACKENDS = ['cpu', 'wasm', ...(TORCH ? (['torch'] as const) : [])] as const;

describe.each(BACKENDS)('golden PyTorch references through forward on %s', (backend) => {
  let worker: TorchWorker | undefined;
  beforeAll(async () => {
    if (backend === 'torch') worker = await TorchWorker.start({ device: 'cpu' });
  });
  afterAll(() => worker?.dispose());

  describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s', (name, family) => {
    const g = golden(name);
    const impls = () => (backend === 'torch' ? worker!.info.implementations[name]! : implementationsOn(family, backend).map((i) => i.name));
    it.each(MODES)('every implementation agrees with PyTorch float64 (%s)', async (mode) => {
      const worst = { output: 0, grads: 0 };
      for (const implementation of impls()) {
        const got = await forwardLayer({
          family: name,
          config: g.config,
          implementation,
          mode,
          backend,
          weights: g.weights,
          inputs: g.inputs,
          ...(worker ? { worker } : {}),
        });
        const { output, grads } = compare(g.expected, got, mode);
        expect(output.relErr, `${implementation} output`).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
        if (mode === 'training')
          expect(grads.relErr, `${implementation} gradients (worst ${grads.worst})`).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
        worst.output = Math.max(worst.output, output.relErr);
        worst.grads = Math.max(worst.grads, mode === 'training' ? grads.relErr : 0);
      }
      console.info(
        `golden ${backend} ${name} ${mode}: worst output relErr ${worst.output.toExponential(2)}${mode === 'training' ? `, gradients ${worst.grads.toExponential(2)}` : ''}`,
      );
    });
  });
});
