/**
 * Bounds on everything a user hands Fusebench (profile files, results files, API payloads), checked
 * before the data is used, so that no input can exhaust memory, the stack or the event loop: a bad
 * input is refused at once with one line naming the field, never a crash or a hang.
 */

/** Largest profile file read (a profile is a few KB; this leaves room for long axis lists). */
export const MAX_PROFILE_BYTES = 1024 * 1024;
/** Largest results or journal file read (a 10,000-point sweep with raw samples is tens of MB). */
export const MAX_RESULTS_BYTES = 256 * 1024 * 1024;
/** Deepest nesting of arrays and objects in any JSON document read. */
export const MAX_JSON_DEPTH = 64;
/** Values one axis may list. */
export const MAX_AXIS_VALUES = 1_000;
/** Families, implementations, backends or modes one profile may list. */
export const MAX_LIST_ENTRIES = 256;
/** Keys in `axes` or `fixed`. */
export const MAX_KEYS = 64;
/** Characters in a name (profile, family, implementation, key). */
export const MAX_NAME_CHARS = 200;
/** Characters in a description or any other string inside a profile. */
export const MAX_TEXT_CHARS = 10_000;
/** Points a sweep may have unless the user raises the limit (`--max-points`, or the UI's confirmation). */
export const DEFAULT_MAX_POINTS = 10_000;
/** The most `--max-points` may allow: beyond this the plan alone would not fit in memory. */
export const MAX_POINTS_CEILING = 1_000_000;

/**
 * The first place where a JSON value breaks the depth or string bounds, as a path and a rule, or
 * undefined. Iterative, so a value nested 10⁵ deep is refused instead of overflowing the stack.
 */
export function jsonBoundsProblem(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
  maxString = MAX_TEXT_CHARS,
): { path: PropertyKey[]; rule: string } | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string' && v.length > maxString) return { path, rule: `is longer than ${maxString} characters` };
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) return { path, rule: `nests deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) v.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
    else {
      // JSON.parse makes '__proto__' an own key; copied into another object it would set that object's
      // prototype and vanish, so a key the user wrote would be silently ignored.
      if (Object.hasOwn(v, '__proto__'))
        return { path: [...path, '__proto__'], rule: 'is not a valid key (no Fusebench file uses it); remove or rename it' };
      for (const [k, item] of Object.entries(v)) stack.push({ value: item, path: [...path, k] });
    }
  }
  return undefined;
}

/** Whether JSON text nests deeper than `maxDepth` (checked on the text, before JSON.parse builds anything). */
export function jsonTextTooDeep(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Index of the first value that equals an earlier one (by canonical JSON), or -1. */
export function firstDuplicate(values: readonly unknown[], key: (v: unknown) => string = (v) => JSON.stringify(v)): number {
  const seen = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const k = key(values[i]);
    if (seen.has(k)) return i;
    seen.add(k);
  }
  return -1;
}

/** Edit distance, for "did you mean" hints; bounded inputs only (names are at most MAX_NAME_CHARS). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * The valid name nearest to a wrong one, when one is near enough to be a likely typo.
 *
 * @example nearestName('grups', ['groups', 'channels']) // 'groups'
 */
export function nearestName(wrong: string, valid: readonly string[]): string | undefined {
  const w = wrong.slice(0, MAX_NAME_CHARS).toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of valid) {
    const d = editDistance(w, name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** "'grups' is not …; did you mean 'groups'? (valid: a, b, c)" tail for an unknown name. */
export function suggestion(wrong: string, valid: readonly string[]): string {
  const near = nearestName(wrong, valid);
  return `${near ? `did you mean '${near}'? ` : ''}use one of ${valid.join(', ')}`;
}
