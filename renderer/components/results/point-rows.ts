import type { PointRecord } from '../../../main/api';
import { formatBytes, formatConfig, formatMs, formatNumber, formatSi } from '../../../engine/report/format';
import { equivalenceFlag } from '../../../engine/report/series';
import type { SpeedupInfo } from '../../../engine/report/speedup';

/** One table row: display text per column and a sort value. */
export interface PointRow {
  key: string;
  point: PointRecord;
  /** Why the point must not count as a speedup (not equivalent), if so. */
  flag?: string;
  cells: Record<ColumnId, { text: string; sort: number | string }>;
}

export const COLUMNS = [
  { id: 'family', label: 'Family', numeric: false },
  { id: 'implementation', label: 'Implementation', numeric: false },
  { id: 'mode', label: 'Mode', numeric: false },
  { id: 'backend', label: 'Backend', numeric: false },
  { id: 'config', label: 'Config', numeric: false },
  { id: 'status', label: 'Status', numeric: false },
  { id: 'median', label: 'Median', numeric: true },
  { id: 'iqr', label: 'IQR', numeric: true },
  { id: 'speedup', label: 'Speedup', numeric: true },
  { id: 'memory', label: 'Peak memory', numeric: true },
  { id: 'params', label: 'Params', numeric: true },
  { id: 'flops', label: 'FLOP/s', numeric: true },
  { id: 'equivalence', label: 'Equivalence', numeric: false },
] as const;
export type ColumnId = (typeof COLUMNS)[number]['id'];

const NONE = Number.NEGATIVE_INFINITY;

/** Table rows for points; the speedup column never shows a ratio for a non-equivalent point. */
export function pointRows(points: readonly PointRecord[], speedupOf: (p: PointRecord) => SpeedupInfo): PointRow[] {
  return points.map((p) => {
    const info = speedupOf(p);
    const flag = equivalenceFlag(p) ?? info.flagged;
    const eq = p.equivalence;
    const interval = info.speedupLow !== undefined ? ` [${formatNumber(info.speedupLow)}–${formatNumber(info.speedupHigh)}]` : '';
    const speedupText =
      p.role === 'serial'
        ? 'serial'
        : info.speedup !== undefined
          ? `×${formatNumber(info.speedup)}${interval}${info.verdict ? ` ${info.verdict}` : ''}`
          : info.flagged
            ? 'not counted'
            : '—';
    const cells: PointRow['cells'] = {
      family: { text: p.family, sort: p.family },
      implementation: { text: p.implementation, sort: p.implementation },
      mode: { text: p.mode, sort: p.mode },
      backend: { text: p.backend, sort: p.backend },
      config: { text: formatConfig(p.config), sort: formatConfig(p.config) },
      status: { text: p.status, sort: p.status },
      median: { text: formatMs(p.time?.medianMs), sort: p.time?.medianMs ?? NONE },
      iqr: { text: formatMs(p.time?.iqrMs), sort: p.time?.iqrMs ?? NONE },
      speedup: { text: speedupText, sort: info.speedup ?? NONE },
      memory: { text: formatBytes(p.memory?.peakBytes), sort: p.memory?.peakBytes ?? NONE },
      params: { text: p.params ? formatSi(p.params.counted) : 'n/a', sort: p.params?.counted ?? NONE },
      flops: { text: formatSi(p.flops?.achievedPerSecond, 'FLOP/s'), sort: p.flops?.achievedPerSecond ?? NONE },
      equivalence: {
        text: !eq ? '—' : eq.pass ? `pass (${formatNumber(eq.relErr, 2)})` : `FAIL (${formatNumber(eq.relErr, 2)})`,
        sort: !eq ? '' : eq.pass ? 'pass' : 'fail',
      },
    };
    return flag ? { key: p.key, point: p, flag, cells } : { key: p.key, point: p, cells };
  });
}

/** Rows whose text contains every word of the filter (any column), in a given status. */
export function filterRows(rows: readonly PointRow[], text: string, status: string): PointRow[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => {
    if (status !== 'all' && (status === 'flagged' ? !r.flag : r.point.status !== status)) return false;
    if (words.length === 0) return true;
    const hay = Object.values(r.cells)
      .map((c) => c.text)
      .join(' ')
      .toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export function sortRows(rows: readonly PointRow[], column: ColumnId | null, direction: 'ascending' | 'descending'): PointRow[] {
  if (!column) return [...rows];
  const sign = direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a.cells[column].sort;
    const y = b.cells[column].sort;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * c;
  });
}
