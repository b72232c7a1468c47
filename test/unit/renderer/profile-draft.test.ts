import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../main/api';
import {
  checkValueTypes,
  configKeys,
  draftFromProfile,
  fieldOfPath,
  hostMessage,
  pathSegments,
  newDraft,
  parseValues,
  profileFromDraft,
} from '../../../renderer/stores/profile-draft';
import { FAMILIES } from './fake-api';

describe('the first sweep and optional backends', () => {
  it('adds PyTorch beside wasm where the host has it, and keeps a profile’s optional backends through the form', () => {
    expect(newDraft(FAMILIES).backends).toEqual(['wasm']);
    expect(newDraft(FAMILIES, ['wasm', 'torch']).backends).toEqual(['wasm', 'torch']);
    const seedQuick = JSON.parse(readFileSync('profiles/seed-quick.profile.json', 'utf8')) as Profile;
    expect(seedQuick.optionalBackends).toEqual(['torch']);
    const draft = draftFromProfile(seedQuick, FAMILIES);
    expect(draft.optionalBackends).toEqual(['torch']);
    expect(profileFromDraft(draft, FAMILIES).profile?.optionalBackends).toEqual(['torch']);
    // Unchecking torch drops it from the optional ones too: a profile never names an optional backend it does not list.
    draft.backends = ['wasm'];
    expect(profileFromDraft(draft, FAMILIES).profile?.optionalBackends).toBeUndefined();
  });
});

describe('profile draft', () => {
  it.each([
    ['1, 2, 4', [1, 2, 4]],
    ['8', [8]],
    ['', []],
    ['[2, 1, 3]', [[2, 1, 3]]],
    [
      '[2, 1], [1, 1]',
      [
        [2, 1],
        [1, 1],
      ],
    ],
    ['"a", true', ['a', true]],
  ])('parses %j as %j', (text, values) => {
    expect(parseValues(text)).toEqual({ ok: true, values });
  });

  it('explains text that is not a list of values', () => {
    const r = parseValues('two, four');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('"two, four" is not a list of values: write values separated by commas, e.g. 1, 2, 4');
  });

  it('names the expected type of a value', () => {
    expect(checkValueTypes('groups', ['4'], [12])).toBe('groups: "4" is not a number; the default is 12');
    expect(checkValueTypes('classesPerGroup', [3], [[5, 1, 2]])).toBe('classesPerGroup: 3 is not a list; the default is [5,1,2]');
    expect(checkValueTypes('groups', [1, 2], [12])).toBeUndefined();
  });

  it('round-trips the shipped smoke profile through the form', () => {
    const smoke = JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8')) as Profile;
    const catalog = FAMILIES;
    const draft = draftFromProfile(
      { ...smoke, families: ['bottleneck', { family: 'class-linear', fixed: { classesPerGroup: [2, 1, 3] } }] },
      catalog,
    );
    expect(draft.values.groups).toBe('2, 4');
    expect(draft.values.channels).toBe('8');
    expect(draft.families.find((f) => f.name === 'class-linear')?.overrides).toBe('{"fixed":{"classesPerGroup":[2,1,3]}}');
    expect(draft.families.find((f) => f.name === 'gmp')?.selected).toBe(false);
    const { profile, errors } = profileFromDraft(draft, catalog);
    expect(errors).toEqual({});
    expect(profile).toMatchObject({
      name: 'smoke',
      families: ['bottleneck', { family: 'class-linear', fixed: { classesPerGroup: [2, 1, 3] } }],
      axes: { groups: [2, 4] },
      fixed: { batch: 2, channels: 8, height: 4, width: 4, groupChannels: 8, classChannels: 4 },
      measure: smoke.measure,
      modes: ['inference', 'training'],
    });
    // Keys that no selected family has are left out.
    expect(profile?.fixed).not.toHaveProperty('inFeatures');
  });

  it('starts with the headline question: bottleneck and class-linear at small shapes, groups swept, on wasm', () => {
    const { profile, errors } = profileFromDraft(newDraft(FAMILIES), FAMILIES);
    expect(errors).toEqual({});
    // class-linear has no `groups`: its ragged grouping grows with the seed's first 1, 2, 4 and 8 groups.
    expect(profile).toMatchObject({
      families: [
        'bottleneck',
        { family: 'class-linear', axes: { classesPerGroup: [[5], [5, 3], [5, 3, 4, 2], [5, 3, 4, 2, 6, 3, 2, 4]] } },
      ],
      backends: ['wasm'],
      modes: ['inference'],
    });
    expect(profile?.axes).toEqual({ groups: [1, 2, 4, 8] });
    expect(profile?.fixed).toMatchObject({ channels: 16, groupChannels: 32, classChannels: 16 });
  });

  it('lists only the chosen parallel implementations, and explains when none is chosen', () => {
    const draft = newDraft(FAMILIES);
    draft.families[0]!.implementations = ['parallel.blockDiagonalConv'];
    expect(profileFromDraft(draft, FAMILIES).profile?.families).toEqual([
      { family: 'bottleneck', implementations: ['parallel.blockDiagonalConv'] },
      expect.objectContaining({ family: 'class-linear' }),
    ]);
    draft.families[0]!.implementations = [];
    expect(profileFromDraft(draft, FAMILIES).errors['family.bottleneck']).toContain('choose at least one parallel implementation');
  });

  it('offers and names a backend-specific form (a WGSL kernel) only where a chosen backend runs it', () => {
    const withWgsl = FAMILIES.map((f) =>
      f.name !== 'bottleneck'
        ? f
        : {
            ...f,
            implementations: [...f.implementations, 'parallel.groupedConvWgsl'],
            implementationDetails: [
              ...f.implementationDetails,
              { name: 'parallel.groupedConvWgsl', role: 'parallel' as const, summary: 'WGSL', backends: ['webgpu'] },
            ],
          },
    );
    const draft = newDraft(withWgsl);
    expect(draft.families[0]!.implementations).toContain('parallel.groupedConvWgsl');
    // On wasm alone every form it can run is chosen: no list, no point for the kernel wasm cannot run.
    expect(profileFromDraft(draft, withWgsl).profile?.families[0]).toBe('bottleneck');
    draft.families[0]!.implementations = ['parallel.blockDiagonalConv', 'parallel.groupedConvWgsl'];
    expect(profileFromDraft(draft, withWgsl).profile?.families[0]).toEqual({
      family: 'bottleneck',
      implementations: ['parallel.blockDiagonalConv'],
    });
    draft.backends = ['wasm', 'webgpu'];
    expect(profileFromDraft(draft, withWgsl).profile?.families[0]).toEqual({
      family: 'bottleneck',
      implementations: ['parallel.blockDiagonalConv', 'parallel.groupedConvWgsl'],
    });
    draft.backends = ['wasm'];
    draft.families[0]!.implementations = ['parallel.groupedConvWgsl'];
    expect(profileFromDraft(draft, withWgsl).errors['family.bottleneck']).toContain('choose at least one parallel implementation');
  });

  it('gives one explanation per bad field and no profile', () => {
    const draft = newDraft(FAMILIES);
    draft.name = ' ';
    draft.values.groups = '1, 1';
    draft.values.channels = 'x';
    draft.measure.minSamples = '2';
    draft.measure.maxSamples = '4.5';
    draft.modes = [];
    draft.families[0]!.overrides = '{oops';
    const { profile, errors } = profileFromDraft(draft, FAMILIES);
    expect(profile).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual([
      'family.bottleneck',
      'measure.maxSamples',
      'measure.minSamples',
      'modes',
      'name',
      'value.channels',
      'value.groups',
    ]);
    expect(errors['value.groups']).toBe('groups: a value is listed twice; list each value once');
    expect(errors['measure.minSamples']).toBe('Min rounds: must be at least 3');
  });

  it('orders the settings groups, channels, batch first', () => {
    expect(configKeys(newDraft(FAMILIES).families, FAMILIES)).toEqual([
      'groups',
      'channels',
      'batch',
      'classChannels',
      'classesPerGroup',
      'groupChannels',
      'height',
      'squeeze',
      'width',
    ]);
  });

  it('gives a host message one prefix, naming the family instead of its index', () => {
    expect(hostMessage('families[1]', "families[1]: unknown family 'x'", ['gmp', 'x'])).toBe("x: unknown family 'x'");
    expect(hostMessage('families[0].axes.grups', "families[0].axes.grups: 'grups' is not…", ['gmp'])).toBe(
      "gmp · axes.grups: 'grups' is not…",
    );
    expect(hostMessage('config.channels', 'config.channels: must be divisible', [], 'bottleneck')).toBe(
      'bottleneck · channels: must be divisible',
    );
    expect(hostMessage('measure.seed', 'measure.seed: too big', [])).toBe('measure.seed: too big');
    // A message that does not start with its field keeps its text whole.
    expect(hostMessage('families[0]', 'something else', ['gmp'])).toBe('gmp: something else');
  });

  it('splits a JSON path into segments', () => {
    expect(pathSegments('families[1].axes.groups[0]')).toEqual(['families', 1, 'axes', 'groups', 0]);
    expect(pathSegments('measure.minSamples')).toEqual(['measure', 'minSamples']);
    expect(pathSegments('')).toEqual([]);
  });

  it.each([
    ['config.channels', 'value.channels'],
    ['measure.minSamples', 'measure.minSamples'],
    ['families[1]', 'family.gmp'],
    ['families[1].implementations[0]', 'family.gmp'],
    ['families[0].axes.groups', 'value.groups'],
    ['families[0].axes.grups', 'family.bottleneck'],
    ['axes.groups[3]', 'value.groups'],
    ['fixed.channels', 'value.channels'],
    ['modes[0]', 'modes'],
    ['name', 'name'],
    ['axes.grups', undefined],
    ['config.unknownKey', undefined],
    ['', undefined],
  ])('marks the form field of the host path %s', (path, field) => {
    expect(fieldOfPath(path, ['groups', 'channels'], ['bottleneck', 'gmp'])).toBe(field);
  });
});
