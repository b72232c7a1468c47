import { describe, expect, it } from 'vitest';
import { expandProfile, countPoints } from '../../../engine/sweep/expand.js';
import { profileSchema } from '../../../engine/files/schemas.js';
import { FusebenchError } from '../../../engine/core/errors.js';
import { readProfileFile } from '../../../engine/files/node-files.js';
import { getFamily, implementationsOn } from '../../../engine/families/index.js';

const profile = (over: Record<string, unknown>) => profileSchema.parse({ schemaVersion: 2, name: 't', families: ['bottleneck'], ...over });

describe('profile expansion', () => {
  it('is the cartesian product of the axes a family has, × modes × backends', () => {
    const groups = expandProfile(
      profile({
        families: ['bottleneck', 'class-linear'],
        axes: { groups: [1, 2, 4], batch: [1, 2] },
        modes: ['inference', 'training'],
        backends: ['wasm', 'cpu'],
      }),
    );
    const bottleneck = groups.filter((g) => g.family.name === 'bottleneck');
    const classLinear = groups.filter((g) => g.family.name === 'class-linear');
    expect(bottleneck).toHaveLength(3 * 2 * 2 * 2);
    expect(classLinear).toHaveLength(2 * 2 * 2); // class-linear has no `groups` key: only batch is swept
    expect(countPoints(bottleneck)).toBe(bottleneck.length * implementationsOn(getFamily('bottleneck'), 'wasm').length);
    expect(new Set(groups.flatMap((g) => g.keys)).size).toBe(countPoints(groups));
  });

  it('records configs that break a rule as invalid with the reason, and keeps the rest', () => {
    const groups = expandProfile(profile({ axes: { channels: [8, 9] } }));
    expect(groups.filter((g) => !g.invalid)).toHaveLength(1);
    expect(groups.find((g) => g.invalid)!.invalid).toMatch(/config.channels: must be divisible by squeeze \(2\), got 9/);
  });

  it('marks training points invalid when BatchNorm would see too few values', () => {
    const groups = expandProfile(profile({ modes: ['inference', 'training'], fixed: { batch: 1, height: 1, width: 1 } }));
    expect(groups.find((g) => g.mode === 'inference')!.invalid).toBeUndefined();
    expect(groups.find((g) => g.mode === 'training')!.invalid).toMatch(/BatchNorm needs batch·height·width ≥ 4/);
  });

  it('lets a family replace a global axis and filter implementations (serial always kept)', () => {
    const groups = expandProfile(
      profile({
        families: [{ family: 'bottleneck', axes: { groups: [3] }, implementations: ['parallel.blockDiagonalConv'] }],
        axes: { groups: [1, 2] },
      }),
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]!.raw.groups).toBe(3);
    expect(groups[0]!.implementations.map((i) => i.name)).toEqual(['serial.branchLoop', 'parallel.blockDiagonalConv']);
  });

  it.each([
    [{ families: ['nope'] }, /families\[0\]: unknown family 'nope'/],
    [{ families: [{ family: 'gmp', axes: { squeeze: [2] } }] }, /'squeeze' is not a gmp setting/],
    [
      { implementations: ['parallel.nothing'] },
      /implementations\[0\]: no family in this profile has an implementation 'parallel\.nothing'/,
    ],
    [
      { implementations: ['serial.branchLoop'] },
      /families\[0\]: \(bottleneck\) none of the implementations \["serial\.branchLoop"\] is one of its parallel ones/,
    ],
  ])('refuses a profile naming what does not exist: %j', (over, message) => {
    expect(() => expandProfile(profile(over))).toThrow(FusebenchError);
    expect(() => expandProfile(profile(over))).toThrow(message);
  });

  it.each(['smoke', 'seed-quick', 'seed-full'])('the shipped %s profile is valid and every point has a valid config', (name) => {
    const groups = expandProfile(readProfileFile(`profiles/${name}.profile.json`));
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter((g) => g.invalid).map((g) => g.invalid)).toEqual([]);
    if (name === 'smoke') expect(new Set(groups.map((g) => g.family.name)).size).toBe(8);
  });
});

describe('implementations per backend', () => {
  it('plans torch points from the worker’s implementations and tfjs points from the TypeScript ones', () => {
    const groups = expandProfile(profile({ backends: ['wasm', 'torch'], axes: { groups: [2] } }));
    const names = (backend: string) => groups.find((g) => g.backend === backend)!.implementations.map((i) => i.name);
    expect(names('wasm')).toEqual(implementationsOn(getFamily('bottleneck'), 'wasm').map((i) => i.name));
    expect(names('torch')).toContain('parallel.groupedConv');
    expect(names('wasm')).not.toContain('parallel.groupedConv');
  });

  it('records a named implementation that runs only elsewhere as invalid on that backend, with its baseline kept where it runs', () => {
    const groups = expandProfile(
      profile({ backends: ['wasm', 'torch'], axes: { groups: [2] }, implementations: ['parallel.groupedConv'] }),
    );
    const wasm = groups.filter((g) => g.backend === 'wasm');
    expect(wasm).toHaveLength(1);
    expect(wasm[0]!.invalid).toMatch(/does not run on wasm/);
    expect(wasm[0]!.implementations.map((i) => i.name)).toEqual(['parallel.groupedConv']);
    const torch = groups.filter((g) => g.backend === 'torch');
    expect(torch.map((g) => g.invalid)).toEqual([undefined]);
    expect(torch[0]!.implementations.map((i) => i.name)).toEqual(['serial.branchLoop', 'parallel.groupedConv']);
  });
});
