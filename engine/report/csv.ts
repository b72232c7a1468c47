import type { PointRecord, SweepResults } from '../files/schemas.js';
import { formatValue } from './format.js';
import { shardMachine } from './report-model.js';
import { speedupIndex } from './speedup.js';

/** Columns after the config columns, in order. */
export const CSV_METRIC_COLUMNS = [
  'median_ms',
  'iqr_ms',
  'rel_iqr',
  'min_ms',
  'mean_ms',
  'n',
  'block_size',
  'stop_reason',
  'first_call_ms',
  'kernel_ms',
  'kernel_timing',
  'peak_bytes',
  'memory_source',
  'tfjs_peak_bytes',
  'predicted_peak_bytes',
  'params_counted',
  'params_formula',
  'flops',
  'achieved_flops_per_s',
  'rel_err',
  'max_abs',
  'equivalent',
  'baseline',
  'speedup',
  'speedup_low',
  'speedup_high',
  'verdict',
  'passes',
  'between_pass_sd',
  'allocator_bound',
  'machine_busy',
  'message',
] as const;

/** RFC 4180: quote a field holding a comma, quote, CR or LF, doubling the quotes inside. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Text that a spreadsheet would run as a formula (=, +, -, @, and tab or CR before them) gets a
 * leading apostrophe, so `=HYPERLINK(…)` in a message or name shows as text. Numbers are left alone:
 * `-0.5` is a value, not a formula.
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = formatValue(value);
  return typeof value === 'number' ? text : neutralizeFormula(text);
}

/**
 * One row per point, every status, with a header. Config keys are the union over all points, sorted,
 * as `config.<key>` columns; an absent figure is an empty field. `speedup` (the median of paired
 * ratios baseline / parallel, with its 95% interval and verdict) is filled only for equivalent parallel
 * points. Lines end in CRLF as RFC 4180 asks.
 *
 * @example renderCsv(results).split('\r\n')[0] // 'family,implementation,role,mode,backend,status,config.batch,...'
 */
export function renderCsv(results: SweepResults): string {
  const configKeys = [...new Set(results.points.flatMap((p) => Object.keys(p.config)))].sort();
  const header = [
    'family',
    'implementation',
    'role',
    'mode',
    'backend',
    'status',
    ...configKeys.map((k) => `config.${k}`),
    ...CSV_METRIC_COLUMNS,
    // A merge of shards: which shard, on which machine, measured the point.
    ...(results.shards ? ['shard', 'machine'] : []),
  ];
  const shards = new Map((results.shards ?? []).map((s) => [s.index, shardMachine(s)]));
  const speedupOf = speedupIndex(results);
  const row = (p: PointRecord): unknown[] => [
    p.family,
    p.implementation,
    p.role,
    p.mode,
    p.backend,
    p.status,
    ...configKeys.map((k) => p.config[k]),
    p.time?.medianMs,
    p.time?.iqrMs,
    p.time?.relIqr,
    p.time?.minMs,
    p.time?.meanMs,
    p.time?.n,
    p.time?.blockSize,
    p.time?.stopReason,
    p.time?.firstCallMs,
    p.time?.kernelMs,
    p.time?.kernelTiming,
    p.memory?.peakBytes,
    p.memory?.source,
    p.memory?.tfjsPeakBytes,
    p.memory?.predictedPeakBytes,
    p.params?.counted,
    p.params?.formula,
    p.flops?.useful,
    p.flops?.achievedPerSecond,
    p.equivalence?.relErr,
    p.equivalence?.maxAbs,
    p.equivalence?.pass,
    p.baseline,
    ...((info) => [info.speedup, info.speedupLow, info.speedupHigh, info.verdict])(speedupOf(p)),
    p.passes?.length,
    p.betweenPassSd,
    p.allocatorBound,
    p.machine?.busy,
    p.message,
    ...(results.shards ? [p.shard, p.shard !== undefined ? shards.get(p.shard) : undefined] : []),
  ];
  const lines = [header.map(neutralizeFormula), ...results.points.map((p) => row(p).map(cell))].map((fields) =>
    fields.map(csvField).join(','),
  );
  return `${lines.join('\r\n')}\r\n`;
}
