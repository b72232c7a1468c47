import { describe, expect, it } from 'vitest';
import { getFamily } from '../../../engine/families/index.js';
import { parseConfig } from '../../../engine/core/config.js';
import { ConfigError } from '../../../engine/core/errors.js';

/** Each bad config is rejected before any work, with a message naming the field and the rule. */
const INVALID: [family: string, config: unknown, field: string, rule: RegExp][] = [
  ['bottleneck', { groups: 0 }, 'config.groups', /at least 1, got 0/],
  ['bottleneck', { channels: -8 }, 'config.channels', /at least 1, got -8/],
  ['bottleneck', { batch: 2.5 }, 'config.batch', /whole number, got 2.5/],
  ['bottleneck', { channels: 513 }, 'config.channels', /divisible by squeeze \(2\), got 513; try 512/],
  ['bottleneck', { channels: 12, squeeze: 5 }, 'config.channels', /divisible by squeeze \(5\)/],
  ['bottleneck', { groups: null }, 'config.groups', /must be a number, got null/],
  ['bottleneck', { groups: '12' }, 'config.groups', /must be a number, got "12"/],
  ['bottleneck', { groups: 100_000 }, 'config.groups', /at most 1024/],
  ['bottleneck', { batch: 4096, channels: 4096, height: 512, width: 512 }, 'config', /elements, over the 2147483647.*reduce batch/],
  ['bottleneck', { group: 12 }, 'config.group', /not a bottleneck setting; use one of batch, groups/],
  ['bottleneck', [12], 'config', /must be an object/],
  ['class-linear', { classesPerGroup: [] }, 'config.classesPerGroup', /must not be empty/],
  ['class-linear', { classesPerGroup: [5, 0, 2] }, 'config.classesPerGroup[1]', /at least 1, got 0/],
  ['class-linear', { classesPerGroup: 3 }, 'config.classesPerGroup', /list of whole numbers/],
  ['attribute-head', { groups: 3, classesPerGroup: [5, 1] }, 'config.classesPerGroup', /one entry per group \(groups = 3\), got 2 entries/],
  ['attribute-head', { groupChannels: 7 }, 'config.groupChannels', /divisible by squeeze/],
  ['class-head', { classChannels: 63 }, 'config.classChannels', /divisible by reduction \(2\)/],
  ['group-linear', { inFeatures: 0 }, 'config.inFeatures', /at least 1/],
  ['replicate', { width: 1.5 }, 'config.width', /whole number/],
  ['gmp', { height: -1 }, 'config.height', /at least 1/],
  ['batchnorm', { channels: 'many' }, 'config.channels', /must be a number/],
];

describe('config validation', () => {
  it.each(INVALID)('%s %j is rejected at %s', (family, config, field, rule) => {
    let error: unknown;
    try {
      parseConfig(getFamily(family), config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).message).toMatch(rule);
    expect((error as ConfigError).message.startsWith(`${field}: `)).toBe(true);
  });

  it('fills the seed shapes as defaults', () => {
    expect(parseConfig(getFamily('bottleneck'), {})).toEqual({ batch: 32, groups: 12, channels: 512, height: 14, width: 14, squeeze: 2 });
    expect(parseConfig(getFamily('attribute-head'), {})).toMatchObject({
      inChannels: 2048,
      groups: 12,
      groupChannels: 512,
      classChannels: 64,
    });
  });

  it('training mode refuses BatchNorm with too few values per channel, naming the fix', () => {
    const family = getFamily('bottleneck');
    const config = parseConfig(family, { batch: 1, height: 1, width: 2 });
    expect(() => family.trainingRules!(config)).toThrow(
      /config.batch: in training mode BatchNorm needs batch·height·width ≥ 4 values per channel, got 2; raise batch, height or width/,
    );
    expect(() => family.trainingRules!(parseConfig(family, { batch: 1, height: 2, width: 2 }))).not.toThrow();
  });
});
