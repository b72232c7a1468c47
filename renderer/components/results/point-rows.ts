import type { PointRecord } from '../../../main/api';
import { formatBytes, formatConfig, formatMs, formatNumber, formatSpeedup } from '../../../engine/report/format';
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

/**
 * The answer first (implementation, verdict, speedup with its interval, median, memory), then what the
 * point is as one compact column; the rest (IQR, parameters, FLOP/s, equivalence figures) is in the
 * point detail. Few, narrow columns: the table fits 1024 px without scrolling sideways.
 */
export const COLUMNS = [
  { id: 'implementation', label: 'Implementation', numeric: false },
  { id: 'groups', label: 'Groups', numeric: true },
  { id: 'verdict', label: 'Verdict', numeric: false },
  { id: 'speedup', label: 'Speedup [95%]', numeric: true },
  { id: 'median', label: 'Median', numeric: true },
  { id: 'memory', label: 'Peak memory', numeric: true },
  { id: 'config', label: 'Family · mode · backend · config', numeric: false },
] as const;
export type ColumnId = (typeof COLUMNS)[number]['id'];

const NONE = Number.NEGATIVE_INFINITY;

/** The point's branch count: `groups`, or the length of a ragged grouping (class-linear's classesPerGroup). */
function groupsCell(config: Record<string, unknown>): { text: string; sort: number } {
  const g =
    typeof config.groups === 'number' ? config.groups : Array.isArray(config.classesPerGroup) ? config.classesPerGroup.length : undefined;
  return g === undefined ? { text: '—', sort: NONE } : { text: String(g), sort: g };
}

/** Table rows for points; the speedup column never shows a ratio for a non-equivalent point. */
export function pointRows(points: readonly PointRecord[], speedupOf: (p: PointRecord) => SpeedupInfo): PointRow[] {
  return points.map((p) => {
    const info = speedupOf(p);
    const flag = equivalenceFlag(p) ?? info.flagged;
    const eq = p.equivalence;
    const speedupText = p.role === 'serial' ? '—' : info.speedup !== undefined ? formatSpeedup(info) : info.flagged ? 'not counted' : '—';
    // A point that was not measured says so where the verdict would be; a non-equivalent one is never a verdict.
    const verdict =
      p.status !== 'ok'
        ? p.status
        : flag
          ? `not equivalent${eq ? ` (relErr ${formatNumber(eq.relErr, 2)})` : ''}`
          : p.role === 'serial'
            ? 'serial (baseline)'
            : (info.verdict?.replace('-', ' ') ?? '—');
    const where = `${p.family} · ${p.mode} · ${p.backend} · ${formatConfig(p.config)}`;
    const cells: PointRow['cells'] = {
      implementation: { text: p.implementation, sort: p.implementation },
      groups: groupsCell(p.config),
      verdict: { text: verdict, sort: verdict },
      speedup: { text: speedupText, sort: info.speedup ?? NONE },
      median: { text: formatMs(p.time?.medianMs), sort: p.time?.medianMs ?? NONE },
      memory: { text: formatBytes(p.memory?.peakBytes), sort: p.memory?.peakBytes ?? NONE },
      config: { text: where, sort: where },
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
