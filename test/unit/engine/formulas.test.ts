import { beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { formulas } from '../../../engine/index.js';
import { prepare, forward } from '../../../engine/core/run.js';
import { drawInputs, disposeInputs } from '../../../engine/equivalence.js';
import { memoryPass } from '../../../engine/measure/memory.js';
import { MEMORY_TOLERANCE, predictedPeakBytes } from '../../../engine/measure/memory-prediction.js';
import { runsOn, type Implementation } from '../../../engine/core/types.js';
import { IN_PROCESS_BACKENDS, activate } from './backends.js';

describe('closed-form formulas at the seed shapes', () => {
  it('bottleneck ×12, C = 512: g·(2CP + 9P² + 4P + 2C) with P = 256', () => {
    const f = formulas('bottleneck', { groups: 12, channels: 512 });
    expect(f.params).toBe(12 * (2 * 512 * 256 + 9 * 256 * 256 + 4 * 256 + 2 * 512));
    expect(f.params).toBe(10_248_192);
    expect(f.bufferElements).toBe(12 * (2 * 256 + 2 * 256 + 2 * 512));
    // Block-diagonal kernels store the zeros too: conv2 (g·P)²·9 and conv3 g·P·g·C.
    expect(f.implementations['parallel.blockDiagonalConv']!.storedParams).toBe(
      12 * 512 * 256 + 9 * 3072 ** 2 + 3072 * 6144 + 12 * (4 * 256 + 2 * 512),
    );
  });

  it('class-linear, 40 classes in 12 groups, gc 512, cc 64 (seed §4.2)', () => {
    const f = formulas('class-linear', {});
    expect(f.params).toBe(512 * 64 * 40 + 64 * 40);
    expect(f.flops).toBe(32 * 40 * (2 * 512 * 64 + 64));
  });

  it('class-head n·(2cc²/r + cc/r + 2cc + 1)', () => {
    expect(formulas('class-head', { classes: 40, classChannels: 64, reduction: 2 }).params).toBe(40 * ((2 * 64 * 64) / 2 + 32 + 128 + 1));
  });

  it('attribute-head is the sum of its parts plus the reduce conv in·gc + 2gc', () => {
    const head = formulas('attribute-head', {});
    const parts =
      formulas('bottleneck', { groups: 12, channels: 512 }).params +
      formulas('class-linear', {}).params +
      formulas('class-head', { classes: 40, classChannels: 64 }).params;
    expect(head.params).toBe(parts + 2048 * 512 + 2 * 512);
  });

  it('group-linear g·in·out + g·out and batchnorm 2gC', () => {
    expect(formulas('group-linear', { groups: 12, inFeatures: 512, outFeatures: 64 }).params).toBe(12 * 512 * 64 + 12 * 64);
    expect(formulas('batchnorm', { groups: 12, channels: 512 }).params).toBe(2 * 12 * 512);
  });
});

/**
 * Predicted peak = bytes of every op output of a forward pass plus the largest kernel temporary
 * (engine/measure/memory-prediction.ts). Measured by the backend's allocation meter (wasm heap, cpu
 * typed arrays), in inference the two agree within MEMORY_TOLERANCE for every implementation.
 */
describe.each(IN_PROCESS_BACKENDS)('predicted peak memory against the allocation meter on %s (inference)', (backend) => {
  beforeAll(() => activate(backend));

  it.each(FAMILIES.flatMap((f) => f.implementations.filter((i) => runsOn(i, backend)).map((i) => [`${f.name} ${i.name}`, f, i] as const)))(
    '%s',
    async (_n, family, impl) => {
      const config = parseConfig<object>(family, family.small);
      const inputs = drawInputs(family, config, 1);
      const p = prepare(impl, inputs.serial, config);
      const pass = await memoryPass(() => forward(p, inputs.x, config));
      const predicted = predictedPeakBytes(family, impl as Implementation<object>, config, 'inference', pass.source);
      p.dispose();
      disposeInputs(inputs);
      expect(pass.source).toBe(backend === 'wasm' ? 'wasm-heap' : 'js-arrays');
      expect(pass.peakBytes / predicted, `measured ${pass.peakBytes} B, predicted ${predicted} B`).toBeGreaterThanOrEqual(
        1 - MEMORY_TOLERANCE,
      );
      expect(pass.peakBytes / predicted, `measured ${pass.peakBytes} B, predicted ${predicted} B`).toBeLessThanOrEqual(
        1 + MEMORY_TOLERANCE,
      );
    },
  );
});
