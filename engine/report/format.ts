/** Text formatting shared by the chart tooltips, tables, Markdown and HTML (pure: runs in a browser too). */

/** A number with `digits` significant digits, in exponent form where fixed notation would be unreadable. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  const rounded = Number(value.toPrecision(digits));
  return magnitude >= 1e-3 && magnitude < 1e6 ? String(rounded) : rounded.toExponential();
}

/** A speedup with its 95% interval where it has one: `×2.3 [2.1–2.5]`. */
export function formatSpeedup(f: { speedup?: number; speedupLow?: number; speedupHigh?: number }): string {
  const range = f.speedupLow !== undefined ? ` [${formatNumber(f.speedupLow)}–${formatNumber(f.speedupHigh)}]` : '';
  return `×${formatNumber(f.speedup)}${range}`;
}

/**
 * A point's passes in one line (DESIGN.md §4.9): each pass's own speedup (parallel points) or median
 * time, and the spread between them: `2 passes, each in its own process: ×1.9, ×2.1 · between-pass SD 7%`.
 */
export function formatPasses(p: {
  passes?: readonly { speedup?: number; medianMs: number; retried?: boolean }[];
  betweenPassSd?: number;
}): string {
  const passes = p.passes ?? [];
  const each = passes.map(
    (x) => `${x.speedup !== undefined ? `×${formatNumber(x.speedup)}` : formatMs(x.medianMs)}${x.retried ? ' (measured again)' : ''}`,
  );
  const sd = p.betweenPassSd !== undefined ? ` · between-pass SD ${formatNumber(100 * (Math.exp(p.betweenPassSd) - 1), 2)}%` : '';
  return `${passes.length} pass${passes.length === 1 ? '' : 'es'}, each in its own process: ${each.join(', ')}${sd}`;
}

/** A duration given in milliseconds, in the SI unit that reads best: `850 µs`, `2.5 ms`, `1.2 s`. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  const unit = timeUnit(Math.abs(value));
  return `${formatNumber(value / unit.divisor)} ${unit.label}`;
}

/** A unit for an axis or a figure: values are divided by `divisor` and labelled `label`. */
export interface Unit {
  label: string;
  divisor: number;
}

/** µs below 1 ms, s from 1000 ms, ms between (input in ms). */
export function timeUnit(maxMs: number): Unit {
  if (maxMs > 0 && maxMs < 1) return { label: 'µs', divisor: 1e-3 };
  if (maxMs >= 1000) return { label: 's', divisor: 1000 };
  return { label: 'ms', divisor: 1 };
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units, e.g. `1.5 MiB`. */
export function formatBytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit += 1;
  }
  return `${formatNumber(v)} ${BYTE_UNITS[unit]}`;
}

/** The binary unit (B, KiB, MiB, GiB, TiB) in which `maxBytes` reads as a number below 1024. */
export function byteUnit(maxBytes: number): Unit {
  let unit = 0;
  let v = Math.abs(maxBytes);
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit += 1;
  }
  return { label: BYTE_UNITS[unit]!, divisor: 1024 ** unit };
}

/** The SI prefix (k, M, G, T) in which `max` reads as a number below 1000, with `unit` after it: `GFLOP/s`. */
export function siUnit(max: number, unit = ''): Unit {
  const hit = SI_PREFIXES.find(([scale]) => Math.abs(max) >= scale);
  return hit ? { label: `${hit[1]}${unit}`, divisor: hit[0] } : { label: unit, divisor: 1 };
}

const SI_PREFIXES: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** A count with an SI prefix, e.g. `1.2 G` (FLOP/s, parameters). */
export function formatSi(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined) return 'n/a';
  const hit = SI_PREFIXES.find(([scale]) => Math.abs(value) >= scale);
  const text = hit ? `${formatNumber(value / hit[0])} ${hit[1]}` : `${formatNumber(value)} `;
  return `${text}${unit}`.trim();
}

/** A config value as it appears in labels: numbers and strings bare, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** `groups=4, batch=2` from a config object. */
export function formatConfig(config: Record<string, unknown>, keys: readonly string[] = Object.keys(config).sort()): string {
  return keys.map((k) => `${k}=${formatValue(config[k])}`).join(', ');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
