/**
 * Two runs' speedup curves on one chart (History ▸ Compare): for one family × mode, each side's parallel
 * lines with their 95% bands over the axis both swept, A solid and B dashed, in the implementation's
 * colour. Built from each side's own speedup chart (charts.ts), so the figures are those of Results.
 */
import type { SweepResults } from '../files/schemas.js';
import { buildCharts, defaultViews, type ChartSpec } from './charts.js';
import type { BackendName, Mode, View } from './series.js';
import { legendRows } from './chart-option.js';

export interface CompareSide {
  results: SweepResults;
  /** Only this backend's points (two backends of one run). */
  backend?: BackendName;
}

/** The family × mode pairs both sides measured, in A's order: what the compare chart can show. */
export function comparableViews(a: CompareSide, b: CompareSide): { family: string; mode: Mode }[] {
  const inB = new Set(sideViews(b).map((v) => `${v.family}|${v.mode}`));
  const seen = new Set<string>();
  return sideViews(a)
    .filter((v) => inB.has(`${v.family}|${v.mode}`))
    .filter((v) => !seen.has(`${v.family}|${v.mode}`) && seen.add(`${v.family}|${v.mode}`))
    .map((v) => ({ family: v.family, mode: v.mode }));
}

function sideViews(side: CompareSide): View[] {
  return defaultViews(side.results).filter((v) => !side.backend || v.backend === side.backend);
}

type EchartsSeries = Record<string, unknown> & { id?: string; name?: string; lineStyle?: Record<string, unknown> };

const REFERENCE = 'serial = 1';

/** A side's speedup series, named `A · parallel.tile`; B's lines dashed. The y = 1 line is kept once (A's). */
function sideSeries(spec: ChartSpec, prefix: 'A' | 'B'): { option: EchartsSeries[]; series: ChartSpec['series'] } {
  const rename = (name: string) => `${prefix} · ${name}`;
  const option = ((spec.option.series as EchartsSeries[] | undefined) ?? [])
    .filter((s) => prefix === 'A' || s.name !== REFERENCE)
    .map((s) => {
      if (s.name === REFERENCE) return s;
      const lineStyle = prefix === 'B' && s.lineStyle && !s.stack ? { ...s.lineStyle, type: 'dashed' } : s.lineStyle;
      return { ...s, id: rename(String(s.id ?? s.name)), name: rename(String(s.name)), ...(lineStyle ? { lineStyle } : {}) };
    });
  const series = spec.series.filter((s) => s.name !== REFERENCE).map((s) => ({ ...s, name: rename(s.name) }));
  return { option, series };
}

/**
 * The overlay of A's and B's speedup curves for one family × mode (the first both measured unless `pick`
 * says), or undefined where they share none on one axis.
 *
 * @example compareSpeedupChart({ results: before }, { results: after })?.series.map((s) => s.name)
 * // ['A · parallel.tile', 'B · parallel.tile']
 */
export function compareSpeedupChart(a: CompareSide, b: CompareSide, pick?: { family: string; mode: Mode }): ChartSpec | undefined {
  const choice = pick ?? comparableViews(a, b)[0];
  if (!choice) return undefined;
  const va = sideViews(a).find((v) => v.family === choice.family && v.mode === choice.mode);
  const vb = va && sideViews(b).find((v) => v.family === va.family && v.mode === va.mode && v.axis === va.axis);
  if (!va || !vb) return undefined;
  const speedupOf = (r: SweepResults, v: View) => buildCharts(r, v).find((c) => c.id === 'speedup');
  const sa = speedupOf(a.results, va);
  const sb = speedupOf(b.results, vb);
  if (!sa || !sb) return undefined;
  const left = sideSeries(sa, 'A');
  const right = sideSeries(sb, 'B');
  const axisA = sa.option.xAxis as Record<string, unknown>;
  const axisB = sb.option.xAxis as Record<string, unknown>;
  const bound = (k: 'min' | 'max', f: (...n: number[]) => number) =>
    typeof axisA[k] === 'number' && typeof axisB[k] === 'number' ? { [k]: f(axisA[k], axisB[k]) } : {};
  const bothLog = axisA.type === 'log' && axisB.type === 'log';
  const xAxis = {
    ...(bothLog ? axisA : { ...axisA, type: 'value', logBase: undefined }),
    ...bound('min', Math.min),
    ...bound('max', Math.max),
  };
  const yLog = (sa.option.yAxis as { type?: string }).type === 'log' && (sb.option.yAxis as { type?: string }).type === 'log';
  const yAxis = yLog ? sa.option.yAxis : { ...(sa.option.yAxis as Record<string, unknown>), type: 'value', logBase: undefined };
  const title = sa.option.title as Record<string, unknown>;
  const held = (v: View) => Object.entries(v.hold ?? {}).map(([k, x]) => `${k}=${JSON.stringify(x)}`);
  const where = (v: View) => [v.backend, ...held(v)].join(', ');
  return {
    id: 'speedup',
    title: 'Speedup: A (solid) and B (dashed)',
    unit: sa.unit,
    series: [...left.series, ...right.series],
    option: {
      ...sa.option,
      title: {
        ...title,
        text: 'Speedup: A (solid) and B (dashed), 95% bands',
        subtext: `${va.family} · ${va.mode} · A: ${where(va)} · B: ${where(vb)}`,
      },
      xAxis,
      yAxis,
      grid: {
        ...(sa.option.grid as Record<string, unknown>),
        bottom: 44 + legendRows([...left.series, ...right.series].map((s) => s.name)) * 20,
      },
      series: [...left.option, ...right.option],
    },
  };
}
