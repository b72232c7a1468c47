/**
 * Generators of hostile inputs shared by the fuzz tests of the web host and of the profile parser:
 * real profiles with one part replaced by anything JSON can hold, deep nesting, long strings, huge
 * lists, and text that is barely JSON.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';

export const SMOKE: Record<string, unknown> = JSON.parse(readFileSync('profiles/smoke.profile.json', 'utf8'));

/** JSON nested `depth` levels deep, as text (too deep for a recursive walker if depth is large). */
export const deepJson = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

const weirdString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '..', '../../etc/passwd', '/dev/zero', '\u0000', 'grups', '__proto__', 'constructor', '=HYPERLINK("x")'),
  fc.integer({ min: 1, max: 6000 }).map((n) => 'a'.repeat(n)),
);

/** Any JSON value, with some large or nasty ones mixed in. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: weirdString },
  // Deeper than the bound but shallow enough to stringify here; deeper still comes as text (deepJson).
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 400 }).map((n) => JSON.parse(deepJson(n)) as unknown) },
  { weight: 1, arbitrary: fc.integer({ min: 1001, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => i)) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1e308, -0, 3.5, Number.MAX_SAFE_INTEGER) },
);

const PATHS: string[][] = [
  [],
  ['schemaVersion'],
  ['name'],
  ['description'],
  ['families'],
  ['families', '0'],
  ['families', '3'],
  ['families', '3', 'fixed'],
  ['implementations'],
  ['backends'],
  ['modes'],
  ['axes'],
  ['axes', 'groups'],
  ['axes', 'grups'],
  ['axes', 'groups', '0'],
  ['fixed'],
  ['fixed', 'channels'],
  ['fixed', 'unknownKey'],
  ['measure'],
  ['measure', 'minSamples'],
  ['measure', 'maxSamples'],
  ['measure', 'nope'],
];

/** The smoke profile with the value at one path replaced (or the whole profile, for the empty path). */
export const mutatedProfile: fc.Arbitrary<unknown> = fc.tuple(fc.constantFrom(...PATHS), hostileValue).map(([path, value]) => {
  if (path.length === 0) return value;
  const copy = structuredClone(SMOKE) as Record<string, unknown>;
  let here: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = here[key];
    if (next === null || typeof next !== 'object') here[key] = {};
    here = here[key] as Record<string, unknown>;
  }
  here[path[path.length - 1]!] = value;
  return copy;
});

/** Profile text: mutated profiles, truncated or spliced JSON, and non-JSON bytes. */
export const profileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: mutatedProfile.map((p) => JSON.stringify(p) ?? 'undefined') },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), mutatedProfile).map(([cut, p]) => (JSON.stringify(p) ?? '').slice(0, cut % 2000)) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 100_000 }).map(deepJson) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);
