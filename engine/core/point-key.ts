/** Canonical JSON: object keys sorted, so equal configs give equal keys. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The stable identity of a sweep point, used by the journal to resume without duplicates. */
export function pointKey(family: string, implementation: string, mode: string, backend: string, config: unknown): string {
  return `${family}|${implementation}|${mode}|${backend}|${canonicalJson(config)}`;
}
