import type { PointRecord, SweepResults } from '../files/schemas.js';
import { formatBytes, formatConfig, formatMs, formatNumber, formatSi, formatSpeedup, formatValue } from './format.js';
import { dimensions, equivalenceFlag, hostBound, sweptAxes, varyingKeys } from './series.js';
import { speedupIndex } from './speedup.js';
import { SUMMARY_METHOD, failedPoints, summarizeResults, summaryTable } from './summary.js';

/** A table of plain-text cells; Markdown and HTML each escape them their own way. */
export interface TextTable {
  header: string[];
  rows: string[][];
  /** Indices of rows holding a non-equivalent point, to be marked. */
  flaggedRows: number[];
}

/** Everything the Markdown and HTML reports print, as plain text, so both say the same. */
export interface ReportModel {
  profileName: string;
  description: string;
  /** e.g. `created 2025-01-01T00:00:00Z, complete`. */
  provenance: string;
  /** How best and crossover are chosen, for readers of the report. */
  method: string;
  environment: [string, string][];
  summary: TextTable;
  families: {
    family: string;
    swept: string[];
    /** Config keys that hold one value over the family's points, e.g. `channels=64, height=14`. */
    fixed: string;
    /** One line per mode × backend: best and crossover. */
    verdicts: string[];
    table: TextTable;
  }[];
  nonEquivalent: TextTable;
  failed: TextTable;
}

function environmentRows(results: SweepResults): [string, string][] {
  const e = results.environment;
  const rows: [string, string][] = [
    ['tool', `${e.tool} ${e.toolVersion}`],
    ['OS', e.os],
    ['CPU', `${e.cpu} (${e.cores} cores)`],
    ['memory', formatBytes(e.memoryBytes)],
    ['Node', e.node],
  ];
  if (e.electron) rows.push(['Electron', e.electron]);
  if (e.chrome) rows.push(['Chrome', e.chrome]);
  rows.push(['TensorFlow.js', e.tfjs]);
  for (const b of e.backends) {
    const state = b.available
      ? `available${b.device ? `, ${b.device}` : ''}, ${b.kernelTiming} timing`
      : `unavailable${b.reason ? `: ${b.reason}` : ''}`;
    rows.push([`backend ${b.name}`, state]);
  }
  // A merge of shards: each shard's machine (its points name their shard in the CSV and the app).
  for (const shard of results.shards ?? []) rows.push([`shard ${shard.index}/${shard.count}`, shardMachine(shard)]);
  return rows;
}

/** `node-7 · Linux 6.1 x64 · AMD EPYC (64 cores) · torch: NVIDIA H100` — where a shard of a merge ran. */
export function shardMachine(shard: NonNullable<SweepResults['shards']>[number]): string {
  const e = shard.environment;
  const devices = e.backends.filter((b) => b.available && b.device).map((b) => `${b.name}: ${b.device}`);
  return [e.host, e.os, `${e.cpu} (${e.cores} cores)`, ...devices].filter(Boolean).join(' · ');
}

function fixedKeys(points: readonly PointRecord[]): string {
  const first = points[0];
  if (!first) return '';
  const varying = new Set(varyingKeys(points));
  const keys = Object.keys(first.config)
    .filter((k) => !varying.has(k))
    .sort();
  return formatConfig(first.config, keys);
}

/** Kernel time beside the wall median: device or host, flagged where wall is over 1.5× device time. */
function kernelCell(p: PointRecord): string {
  const t = p.time;
  if (!t || t.kernelMs === undefined) return '';
  const flag = hostBound(p) ? ` ⚠ wall ×${formatNumber(t.medianMs / t.kernelMs)}` : '';
  return `${formatMs(t.kernelMs)} ${t.kernelTiming}${flag}`;
}

function familyTable(results: SweepResults, points: readonly PointRecord[], swept: readonly string[]): TextTable {
  const speedupOf = speedupIndex(results);
  const header = [
    'implementation',
    'mode',
    'backend',
    ...swept,
    'status',
    'median',
    'kernel',
    'IQR',
    'relIQR',
    'n',
    'speedup [95%]',
    'verdict',
    'peak memory',
    'params',
    'relErr',
    'equivalent',
  ];
  const flaggedRows: number[] = [];
  const rows = points.map((p, i) => {
    const info = speedupOf(p);
    const flag = equivalenceFlag(p);
    if (p.equivalence?.pass === false) flaggedRows.push(i);
    const speedup =
      info.speedup !== undefined ? formatSpeedup(info) : info.ratio !== undefined ? `not counted (×${formatNumber(info.ratio)})` : '';
    const equivalent = p.equivalence ? (p.equivalence.pass ? 'yes' : `NO: ${flag ?? ''}`) : '';
    return [
      p.implementation,
      p.mode,
      p.backend,
      ...swept.map((k) => (k in p.config ? formatValue(p.config[k]) : '')),
      p.status,
      p.time ? formatMs(p.time.medianMs) : '',
      kernelCell(p),
      p.time ? formatMs(p.time.iqrMs) : '',
      p.time ? `${formatNumber(p.time.relIqr * 100)}%` : '',
      p.time ? String(p.time.n) : '',
      speedup,
      info.verdict ?? '',
      p.memory ? formatBytes(p.memory.peakBytes) : '',
      p.params ? formatSi(p.params.counted) : '',
      p.equivalence ? formatNumber(p.equivalence.relErr, 2) : '',
      equivalent,
    ];
  });
  return { header, rows, flaggedRows };
}

function nonEquivalentTable(results: SweepResults): TextTable {
  const rows = summarizeResults(results).flatMap((s) =>
    s.nonEquivalent.map((p) => [
      p.family,
      p.implementation,
      p.mode,
      p.backend,
      formatConfig(p.config),
      formatNumber(p.relErr, 2),
      formatNumber(p.maxAbs, 2),
      formatNumber(p.tolerance, 2),
      p.knownDefect ?? '',
    ]),
  );
  return {
    header: ['family', 'implementation', 'mode', 'backend', 'config', 'relErr', 'maxAbs', 'tolerance', 'known defect'],
    rows,
    flaggedRows: rows.map((_, i) => i),
  };
}

function failedTable(results: SweepResults): TextTable {
  const rows = failedPoints(results).map((p) => [
    p.family,
    p.implementation,
    p.mode,
    p.backend,
    formatConfig(p.config),
    p.status,
    p.message ?? '',
  ]);
  return { header: ['family', 'implementation', 'mode', 'backend', 'config', 'status', 'message'], rows, flaggedRows: [] };
}

/**
 * The report's content as plain text tables, shared by the Markdown and HTML renderers.
 *
 * @example reportModel(results).families.map((f) => f.family) // ['bottleneck', 'gmp']
 */
export function reportModel(results: SweepResults): ReportModel {
  const summaries = summarizeResults(results);
  const created = `created ${results.createdAt}${results.finishedAt ? `, finished ${results.finishedAt}` : ''}`;
  return {
    profileName: results.profile.name,
    description: results.profile.description,
    provenance: `${created}, ${results.complete ? 'complete' : 'incomplete (cancelled or still running)'}`,
    method: SUMMARY_METHOD,
    environment: environmentRows(results),
    summary: { ...summaryTable(results), flaggedRows: [] },
    families: dimensions(results).families.map((family) => {
      const points = results.points.filter((p) => p.family === family);
      const swept = sweptAxes(results, family);
      const verdicts = summaries
        .filter((s) => s.family === family)
        .flatMap((s) => [
          `${s.mode} · ${s.backend}: ${s.note}`,
          ...(s.primitives.length > 0 ? [`primitives: ${s.primitives.join('; ')}`] : []),
        ]);
      return { family, swept, fixed: fixedKeys(points), verdicts, table: familyTable(results, points, swept) };
    }),
    nonEquivalent: nonEquivalentTable(results),
    failed: failedTable(results),
  };
}
