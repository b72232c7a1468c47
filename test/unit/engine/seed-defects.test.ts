import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../engine/core/tf.js';
import { getFamily, getImplementation as implementation } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { checkEquivalence } from '../../../engine/equivalence.js';
import { prepare } from '../../../engine/core/run.js';
import { implementationFormulas } from '../../../engine/formulas.js';
import { MODES } from '../../../engine/core/types.js';
import { activate } from './backends.js';

/** The seed's code defects (DESIGN.md §1), each a regression the engine must not repeat. */
const CASES: [what: string, family: string, config: Record<string, unknown>][] = [
  [
    'groups other than 12 (the seed hard-codes groups=12 in conv2/conv3)',
    'bottleneck',
    { batch: 2, groups: 5, channels: 4, height: 3, width: 3 },
  ],
  [
    'groups other than 12 in the whole head',
    'attribute-head',
    { batch: 2, inChannels: 6, groups: 5, groupChannels: 4, height: 2, width: 3, classesPerGroup: [1, 2, 1, 3, 1], classChannels: 4 },
  ],
  ['ragged classesPerGroup [5,1,2]', 'class-linear', { batch: 3, classesPerGroup: [5, 1, 2], groupChannels: 6, classChannels: 4 }],
  [
    'ragged classesPerGroup [5,1,2] in the whole head',
    'attribute-head',
    { batch: 2, inChannels: 4, groups: 3, groupChannels: 4, height: 2, width: 2, classesPerGroup: [5, 1, 2], classChannels: 4 },
  ],
  ['non-square H×W', 'bottleneck', { batch: 2, groups: 3, channels: 4, height: 3, width: 7 }],
  ['non-square H×W in pooling', 'gmp', { batch: 2, groups: 3, channels: 4, height: 2, width: 5 }],
  ['batch 1', 'bottleneck', { batch: 1, groups: 3, channels: 4, height: 2, width: 3 }],
  ['batch 1', 'class-linear', { batch: 1, classesPerGroup: [2, 3], groupChannels: 4, classChannels: 3 }],
  ['batch 1', 'group-linear', { batch: 1, groups: 3, inFeatures: 4, outFeatures: 2 }],
  ['batch 1', 'class-head', { batch: 1, classes: 3, classChannels: 4 }],
];

describe('seed defects stay fixed', () => {
  beforeAll(() => activate('cpu'));

  it.each(CASES)('%s (%s)', async (_what, familyName, raw) => {
    const family = getFamily(familyName);
    const config = parseConfig(family, raw);
    for (const mode of MODES) {
      const results = await checkEquivalence({ family, config, mode, backend: 'cpu', seed: 11 });
      for (const r of results) expect(r.pass, r.message).toBe(true);
    }
  });

  it('the fused grouped convolutions take their group count from the config', () => {
    const family = getFamily('bottleneck');
    const config = parseConfig(family, { batch: 1, groups: 5, channels: 4, height: 2, width: 2 });
    const serial = tf.tidy(() => family.init(config, 1) as unknown as tf.TensorContainer) as unknown as ReturnType<typeof family.init>;
    const im2col = prepare(implementation(family, 'parallel.im2colBatchedMatmul'), serial, config);
    const blockDiagonal = prepare(implementation(family, 'parallel.blockDiagonalConv'), serial, config);
    expect(im2col.weights.trainable.conv2!.shape).toEqual([5, 9 * 2, 2]);
    expect(im2col.weights.trainable.conv3!.shape).toEqual([5, 2, 4]);
    expect(blockDiagonal.weights.trainable.conv2!.shape).toEqual([3, 3, 10, 10]);
    expect(blockDiagonal.weights.trainable.conv3!.shape).toEqual([1, 1, 10, 20]);
    im2col.dispose();
    blockDiagonal.dispose();
    tf.dispose([...Object.values(serial.trainable), ...Object.values(serial.buffers)]);
  });

  it('the per-class weight has one consistent shape [n, gc, cc] (the seed §4.3 and §4.4 disagree)', () => {
    const family = getFamily('class-linear');
    const config = parseConfig(family, { batch: 2, classesPerGroup: [5, 1, 2], groupChannels: 6, classChannels: 3 });
    const serial = tf.tidy(() => family.init(config, 1) as unknown as tf.TensorContainer) as unknown as ReturnType<typeof family.init>;
    const p = prepare(implementation(family, 'parallel.gatherBatchedMatmul'), serial, config);
    expect(p.weights.trainable.weight!.shape).toEqual([8, 6, 3]);
    expect(p.weights.trainable.bias!.shape).toEqual([8, 1, 3]);
    p.dispose();
    tf.dispose(Object.values(serial.trainable));
  });

  it('the concat loop copies quadratically, one tile linearly (bytes written, DESIGN.md §2)', () => {
    const family = getFamily('replicate');
    const c = parseConfig(family, { batch: 2, groups: 12, channels: 8, height: 3, width: 5 }) as { groups: number };
    const bchw4 = 2 * 8 * 3 * 5 * 4;
    const g = c.groups;
    expect(implementationFormulas(family, 'serial.concatLoop', c).bytesWritten).toBe(bchw4 * ((g * (g + 1)) / 2 - 1));
    expect(implementationFormulas(family, 'parallel.tile', c).bytesWritten).toBe(bchw4 * g);
  });
});
