import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FusebenchError } from '../../../engine/core/errors.js';
import { parseProfile, validateProfileObject } from '../../../engine/files/read.js';
import { checkPlan } from '../../../engine/sweep/plan-check.js';
import { getFamily, implementationsOn } from '../../../engine/families/index.js';
import { countPoints, expandProfile } from '../../../engine/sweep/expand.js';
import { MAX_AXIS_VALUES, MAX_JSON_DEPTH, MAX_PROFILE_BYTES, nearestName } from '../../../engine/files/limits.js';
import { deepJson, mutatedProfile, profileText, SMOKE } from '../fuzz-inputs.js';

const TIME_MS = Number(process.env.FUSEBENCH_FUZZ_MS ?? 3_000);

/** What a bad profile must produce: a FusebenchError with one line, and nothing else (no RangeError, no stack). */
function verdict(fn: () => unknown): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(FusebenchError);
    expect((e as Error).message.split('\n')).toHaveLength(1);
    return 'refused';
  }
}

describe('profile bounds', () => {
  it.each([
    ['nesting 10⁵ deep', deepJson(100_000), /nests deeper than 64 levels/],
    ['over 1 MiB', ' '.repeat(MAX_PROFILE_BYTES + 1), /over the limit of 1048576/],
    ['a 5000-character name', JSON.stringify({ ...SMOKE, name: 'n'.repeat(5000) }), /name: must be at most 200 characters/],
    [
      'minSamples over maxSamples',
      JSON.stringify({ ...SMOKE, measure: { minSamples: 50, maxSamples: 3 } }),
      /measure.minSamples: must not exceed maxSamples/,
    ],
    [
      'a repeated axis value',
      JSON.stringify({ ...SMOKE, axes: { groups: [2, 4, 2] } }),
      /axes.groups\[2\]: repeats the value 2; list each value once/,
    ],
    [
      'a 300k-value axis',
      JSON.stringify({ ...SMOKE, axes: { groups: Array.from({ length: 300_000 }, (_, i) => i) } }),
      /over the limit|at most 1000 values/,
    ],
    ['an axis value nested too deep', JSON.stringify({ ...SMOKE, axes: { groups: [JSON.parse(deepJson(70))] } }), /nests deeper than 64/],
  ])('refuses %s at once, with one line naming the field', (_what, text, message) => {
    const t0 = performance.now();
    let error: unknown;
    try {
      parseProfile('p.profile.json', text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FusebenchError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.split('\n')).toHaveLength(1);
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  it('refuses an object nested too deep for a recursive walker, arriving already parsed (IPC, HTTP)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => validateProfileObject({ ...SMOKE, fixed: { channels: deep } })).toThrow(/fixed.channels.*nests deeper than 64/);
    expect(MAX_JSON_DEPTH).toBe(64);
  });

  it.each([
    [{ axes: { grups: [1, 2] } }, 'axes.grups', /no family in this profile has a setting 'grups'; did you mean 'groups'\?/],
    [{ fixed: { chanels: 8 } }, 'fixed.chanels', /did you mean 'channels'\?/],
    [{ families: ['botleneck'] }, 'families[0]', /unknown family 'botleneck'; did you mean 'bottleneck'\?/],
    [
      { families: [{ family: 'gmp', axes: { grops: [2] } }], axes: {}, fixed: {} },
      'families[0].axes.grops',
      /'grops' is not a gmp setting; did you mean 'groups'\?/,
    ],
    [{ implementations: ['parallel.nope'] }, 'implementations[0]', /no family in this profile has an implementation 'parallel.nope'/],
  ])('names an unknown name in %j and the nearest valid one', (change, field, message) => {
    const profile = validateProfileObject({ ...SMOKE, ...change });
    let error: FusebenchError | undefined;
    try {
      checkPlan(profile);
    } catch (e) {
      error = e as FusebenchError;
    }
    expect(error).toBeInstanceOf(FusebenchError);
    expect(error!.field).toBe(field);
    expect(error!.message).toMatch(message);
  });

  it('counts a plan without building it, and refuses one over the point limit unless raised', () => {
    const axis = Array.from({ length: 100 }, (_, i) => i + 1);
    const huge = validateProfileObject({
      ...SMOKE,
      families: ['bottleneck'],
      axes: { groups: axis, channels: axis, batch: axis, height: axis, width: axis },
      fixed: {},
    });
    // Implementations that run on the smoke profile's backend × its modes, per config.
    const perConfig = implementationsOn(getFamily('bottleneck'), 'wasm').length * (SMOKE.modes as string[]).length;
    const t0 = performance.now();
    expect(() => checkPlan(huge)).toThrow(
      `the sweep has ${(perConfig * 100 ** 5).toLocaleString('en')} points, over the limit of 10,000: list fewer axis values, a sweep may have at most 1,000,000 points`,
    );
    expect(performance.now() - t0).toBeLessThan(100);
    const big = validateProfileObject({
      ...SMOKE,
      families: ['bottleneck'],
      axes: { groups: axis, channels: axis.slice(0, 20) },
      fixed: {},
    });
    const bigPoints = perConfig * 100 * 20;
    expect(bigPoints).toBeGreaterThan(10_000);
    expect(() => checkPlan(big)).toThrow(`--max-points ${bigPoints}`);
    expect(checkPlan(big, { maxPoints: bigPoints }).points).toBe(bigPoints);
    expect(MAX_AXIS_VALUES).toBeGreaterThanOrEqual(axis.length);
  });

  it('counts exactly what expanding the plan gives, for random profiles', () => {
    fc.assert(
      fc.property(mutatedProfile, (data) => {
        let profile;
        try {
          profile = validateProfileObject(data);
          checkPlan(profile);
        } catch {
          return; // refused profiles are the other tests' business
        }
        expect(checkPlan(profile).points).toBe(countPoints(expandProfile(profile)));
      }),
      { numRuns: 300 },
    );
  });

  it('never repeats a file’s content in its error (a secret read through us stays secret)', () => {
    for (const text of ['root:$6$secret-hash:19000:0:99999:7:::\n', 'API_KEY=secret-hash\nPATH=/usr/bin', '{"a": secret-hash}']) {
      let message = '';
      try {
        parseProfile('/etc/shadow', text);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^\/etc\/shadow: is not valid JSON/);
      expect(message).not.toContain('secret-hash');
    }
  });

  it('suggests only near names', () => {
    expect(nearestName('grups', ['groups', 'channels'])).toBe('groups');
    expect(nearestName('xyzzy', ['groups', 'channels'])).toBeUndefined();
  });
});

describe('profile parser under fuzzing (fast-check, bounded time)', () => {
  it('accepts a profile or refuses it with one line; never another error, never a hang', () => {
    let tried = 0;
    const seen = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(profileText, (text) => {
        tried++;
        const t0 = performance.now();
        seen[
          verdict(() => {
            const profile = parseProfile('fuzz.profile.json', text);
            checkPlan(profile);
          })
        ]++;
        expect(performance.now() - t0).toBeLessThan(2_000);
      }),
      { numRuns: 1_000_000, interruptAfterTimeLimit: TIME_MS },
    );
    console.log(`[fuzz] profile parser: ${tried} texts, ${seen.ok} accepted, ${seen.refused} refused with one line, 0 crashes, 0 hangs`);
    expect(tried).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(0);
  });
});
