import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { validateProfileObject } from '../../../engine/files/read.js';
import { describeSkipped, planSweep, withoutUnavailable } from '../../../engine/sweep/plan.js';

describe('optional backends', () => {
  const base = validateProfileObject({ ...JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8')), backends: ['wasm', 'torch'] });
  const optional = { ...base, optionalBackends: ['torch' as const] };

  it('leave an optional backend that cannot run out, with why; a required one stays (the host refuses it by name)', () => {
    const lacking = (b: string) => (b === 'torch' ? 'no module named torch' : undefined);
    const { profile, skipped } = withoutUnavailable(optional, lacking);
    expect(profile.backends).toEqual(['wasm']);
    expect(profile.optionalBackends).toBeUndefined();
    expect(skipped).toEqual([{ backend: 'torch', reason: 'no module named torch' }]);
    expect(describeSkipped(skipped, profile)).toBe('torch is not available here (no module named torch): measuring wasm only');
    expect(withoutUnavailable(base, lacking).profile).toBe(base);
    expect(withoutUnavailable(optional, () => undefined).profile).toBe(optional);
    // Every backend optional and none here: kept, so the sweep is refused by name rather than run on nothing.
    const onlyTorch = { ...optional, backends: ['torch' as const] };
    expect(withoutUnavailable(onlyTorch, lacking).profile.backends).toEqual(['torch']);
  });

  it('must be among the backends', () => {
    expect(() => planSweep({ ...base, backends: ['wasm'], optionalBackends: ['torch'] })).toThrow(
      /'torch' is not one of backends \(wasm\); list it in backends too/,
    );
  });
});
