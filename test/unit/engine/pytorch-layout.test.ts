import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { tf } from '../../../engine/core/tf.js';
import { FAMILIES } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { FileFormatError } from '../../../engine/core/errors.js';
import type { HostTensors } from '../../../engine/core/host-tensor.js';
import type { AnyFamily, WeightSet } from '../../../engine/core/types.js';
import { disposeWeights, exportWeights, loadOwnWeights, loadWeights, pytorchFormNames } from '../../../engine/weights.js';
import { convertCheckpoint } from '../../../engine/convert.js';
import { configArbitrary } from './arbitraries.js';
import { activate } from './backends.js';

/**
 * PyTorch names and layouts (engine/core/pytorch-layout.ts, each family's `pytorch`): every family's
 * serial and parallel forms cover exactly the engine's tensors, convert both ways exactly, and
 * loadWeights names what is wrong with a state dict. The torch worker's own modules are checked
 * against the same names in test/unit/torch/equivalence.test.ts.
 */
const initSerial = (family: AnyFamily, config: object, seed: number) =>
  tf.tidy(() => family.init(config, seed) as unknown as tf.TensorContainer) as unknown as WeightSet;

const shapes = (ts: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, t.shape]));
const hostEqual = (a: HostTensors, b: HostTensors) => {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    expect(a[k]!.shape, k).toEqual(b[k]!.shape);
    expect(
      Buffer.from(a[k]!.data.buffer, a[k]!.data.byteOffset, a[k]!.data.byteLength).equals(
        Buffer.from(b[k]!.data.buffer, b[k]!.data.byteOffset, b[k]!.data.byteLength),
      ),
      `${k} bit for bit`,
    ).toBe(true);
  }
};

describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s in PyTorch names', (_name, family) => {
  beforeAll(() => activate('cpu'));
  const config = parseConfig<object>(family, family.small);
  const layout = family.pytorch!;

  it('has a PyTorch layout for the serial form and every TypeScript parallel implementation that runs on every backend', () => {
    expect(layout).toBeDefined();
    // Kernels written for one backend (WGSL) hold the layouts of the forms they accelerate; PyTorch has no twin of them.
    for (const impl of family.implementations.filter((i) => i.role === 'parallel' && !i.backends))
      expect(Object.keys(layout.parallel)).toContain(impl.name);
    for (const p of Object.values(layout.parallel)) expect(family.implementations.map((i) => i.name)).toContain(p.via);
  });

  it('the serial form covers exactly the serial weights, shapes and buffers included', () => {
    const serial = initSerial(family, config, 3);
    try {
      const tensors = layout.serial(config);
      expect(new Set(tensors.map((t) => t.name)).size).toBe(tensors.length);
      expect(Object.fromEntries(tensors.filter((t) => !t.buffer).map((t) => [t.engine, [...t.engineShape]]))).toEqual(
        shapes(serial.trainable),
      );
      expect(Object.fromEntries(tensors.filter((t) => t.buffer).map((t) => [t.engine, [...t.engineShape]]))).toEqual(
        shapes(serial.buffers),
      );
    } finally {
      disposeWeights(serial);
    }
  });

  it.each(Object.keys(layout.parallel))('%s covers exactly the weights its TypeScript implementation holds', (name) => {
    const parallel = layout.parallel[name]!;
    const impl = family.implementations.find((i) => i.name === parallel.via)!;
    const serial = initSerial(family, config, 3);
    const own = tf.tidy(() => impl.toParallel(serial, config) as unknown as tf.TensorContainer) as unknown as WeightSet;
    try {
      const tensors = parallel.tensors(config);
      expect(new Set(tensors.map((t) => t.name)).size).toBe(tensors.length);
      expect(Object.fromEntries(tensors.filter((t) => !t.buffer).map((t) => [t.engine, [...t.engineShape]]))).toEqual(
        shapes(own.trainable),
      );
      expect(Object.fromEntries(tensors.filter((t) => t.buffer).map((t) => [t.engine, [...t.engineShape]]))).toEqual(shapes(own.buffers));
    } finally {
      disposeWeights(serial);
      disposeWeights(own);
    }
  });

  it.each(pytorchFormNames(family))(
    'serial → %s → serial gives back the same tensors exactly, leaking nothing (random configs)',
    (form) => {
      fc.assert(
        fc.property(configArbitrary(family), fc.integer({ min: 1, max: 1_000_000 }), (raw, seed) => {
          const c = parseConfig<object>(family, raw);
          const before = tf.memory().numTensors;
          const serial = initSerial(family, c, seed);
          const original = exportWeights(family, c, serial, { layout: 'pytorch' });
          disposeWeights(serial);
          const converted = convertCheckpoint({ family: family.name, config: raw, to: form, tensors: original, seed });
          expect(converted.check.pass, `${form}: relErr ${converted.check.relErr}`).toBe(true);
          const back = convertCheckpoint({ family: family.name, config: raw, from: form, to: 'serial', tensors: converted.tensors, seed });
          expect(back.check.pass).toBe(true);
          hostEqual(back.tensors, original);
          expect(tf.memory().numTensors).toBe(before);
        }),
        { numRuns: 3 },
      );
    },
  );

  it('loadWeights reads the serial form back as the engine wrote it, and ignores num_batches_tracked', () => {
    const serial = initSerial(family, config, 4);
    const exported = exportWeights(family, config, serial, { layout: 'pytorch' });
    const counters: HostTensors = Object.fromEntries(
      layout
        .serial(config)
        .filter((t) => t.name.endsWith('.running_mean'))
        .map((t) => [
          t.name.replace(/running_mean$/, 'num_batches_tracked'),
          { dtype: 'int64' as const, shape: [], data: BigInt64Array.from([7n]) },
        ]),
    );
    const loaded = loadWeights(family, config, { ...exported, ...counters }, { layout: 'pytorch' });
    try {
      for (const part of ['trainable', 'buffers'] as const) {
        expect(Object.keys(loaded[part]).sort()).toEqual(Object.keys(serial[part]).sort());
        for (const [k, t] of Object.entries(serial[part]))
          expect(Array.from(loaded[part][k]!.dataSync()), k).toEqual(Array.from(t.dataSync()));
      }
    } finally {
      disposeWeights(serial);
      disposeWeights(loaded);
    }
  });
});

describe('loadWeights names what is wrong', () => {
  beforeAll(() => activate('cpu'));
  const family = FAMILIES.find((f) => f.name === 'bottleneck')!;
  const config = parseConfig<object>(family, family.small);
  // Built on first use, after beforeAll has made tfjs-cpu the backend.
  let cached: HostTensors | undefined;
  const good = (): HostTensors => {
    if (cached) return cached;
    const serial = initSerial(family, config, 1);
    cached = exportWeights(family, config, serial, { layout: 'pytorch' });
    disposeWeights(serial);
    return cached;
  };
  const load = (tensors: HostTensors, implementation?: string) =>
    loadWeights(family, config, tensors, { layout: 'pytorch', source: 'w.safetensors', ...(implementation ? { implementation } : {}) });

  it.each([
    [
      'a missing tensor',
      () => {
        const { 'attention_convs.1.conv2.weight': _, ...rest } = good();
        return rest;
      },
      /missing 'attention_convs\.1\.conv2\.weight' \(4×4×3×3\)/,
    ],
    ['an extra tensor', () => ({ ...good(), 'fc.weight': good()['attention_convs.0.bn1.weight']! }), /unexpected tensor 'fc\.weight'/],
    [
      'a mis-shaped tensor',
      () => ({
        ...good(),
        'attention_convs.0.conv1.weight': { dtype: 'float32' as const, shape: [8, 4, 1, 1], data: new Float32Array(32) },
      }),
      /'attention_convs\.0\.conv1\.weight' is 8×4×1×1, expected 4×8×1×1/,
    ],
    [
      'an int64 weight',
      () => ({ ...good(), 'attention_convs.0.bn1.weight': { dtype: 'int64' as const, shape: [4], data: new BigInt64Array(4) } }),
      /is int64/,
    ],
  ])('%s', (_what, tensors, message) => {
    const before = tf.memory().numTensors;
    expect(() => load(tensors())).toThrow(FileFormatError);
    expect(() => load(tensors())).toThrow(message);
    expect(() => load(tensors())).toThrow(/^w\.safetensors: .*--config the checkpoint was made with/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a serial file read as a parallel form says so, and an unknown form lists the known ones', () => {
    expect(() => load(good(), 'parallel.groupedConv')).toThrow(/in the parallel\.groupedConv PyTorch layout/);
    expect(() => load(good(), 'parallel.nope')).toThrow(
      /no weight layout 'parallel\.nope'; use one of serial, parallel\.im2colBatchedMatmul/,
    );
  });

  it('loadOwnWeights gives the implementation its own tensors from a parallel file', () => {
    const serial = initSerial(family, config, 1);
    const grouped = exportWeights(family, config, serial, { layout: 'pytorch', implementation: 'parallel.groupedConv' });
    expect(grouped['conv2.weight']!.shape).toEqual([12, 4, 3, 3]);
    const { own, form } = loadOwnWeights(family, config, grouped, { layout: 'pytorch', implementation: 'parallel.groupedConv' });
    expect(form.via.name).toBe('parallel.im2colBatchedMatmul');
    expect(own.trainable.conv2!.shape).toEqual([3, 36, 4]);
    disposeWeights(own);
    disposeWeights(serial);
  });
});
