/**
 * ECharts options as plain JSON for the chart builders (charts.ts, residual-charts.ts): series with
 * their bands, markers for verdicts and flags, SI-unit axes, a legend that never pages, and the
 * export variant that labels every line at its end. Pure: engine/ must not import echarts.
 */
import type { Verdict } from '../stats/paired.js';
import { escapeHtml, type Unit } from './format.js';
import type { AxisScale, View } from './series.js';

/** One plotted value; `flagged` says why it must not be read as a like-for-like comparison. */
export interface ChartPoint {
  x: number;
  y: number;
  flagged?: string;
  /** Speedup points: faster, slower or within noise (the colour and shape of the marker). */
  verdict?: Verdict;
  /** Residual points: why the figure is beyond the formula's ±10% (an orange diamond). */
  beyond?: string;
}

/** An interval at one x: the latency's q1..q3, a speedup's 95% interval. */
export interface Band {
  x: number;
  low: number;
  high: number;
}

/** The data one chart series shows, in the chart's base unit (ms, bytes, FLOP/s); bands where it has them. */
export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  band?: Band[];
}

/**
 * An ECharts option as plain JSON (no functions), so it can be inlined in an HTML file or sent over IPC.
 * Typed loosely on purpose: engine/ must not depend on echarts (ESLint layering rule).
 */
export type ChartOption = Record<string, unknown>;

/** Colours without red, which is kept for flagged (non-equivalent) points. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#8C564B', '#7F7F7F', '#BCBD22', '#17BECF', '#9467BD'];
export const FLAG_COLOR = '#D62728';
/** Residual points beyond ±10%: a dark orange diamond, apart from the implementations' colours. */
export const BEYOND_COLOR = '#B35900';
export const REFERENCE_COLOR = '#7F7F7F';
/** Marker fill per verdict: colour-blind-safe, and each verdict has its own shape as well. */
export const VERDICT_COLORS: Record<Verdict, string> = { faster: '#1A7F37', slower: '#C2410C', 'within-noise': '#9AA4B1' };
const VERDICT_SYMBOLS: Record<Verdict, string> = {
  faster: 'triangle',
  // A downward triangle: ECharts has only the upward one built in.
  slower: 'path://M0,0L10,0L5,9Z',
  'within-noise': 'circle',
};
/** A filled X: ECharts has no built-in cross symbol. */
const CROSS_SYMBOL = 'path://M2,0L5,3L8,0L10,2L7,5L10,8L8,10L5,7L2,10L0,8L3,5L0,2Z';

export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

export interface Datum extends ChartPoint {
  tooltip: string[];
}

export interface Line {
  name: string;
  color: string;
  dashed?: 'dashed' | 'dotted';
  /** A scatter of markers without a connecting line. */
  markersOnly?: boolean;
  /** A reference (y = 1, ±10%): no markers, never labelled at its end. */
  reference?: boolean;
  /** A vertical line at x with a label: the crossover, drawn with the reference line. */
  mark?: { x: number; label: string };
  data: Datum[];
  band?: Band[];
}

/** Tooltip HTML: ECharts inserts formatter strings as HTML and expands `{a}`-style templates, so both are neutralised. */
function tooltipHtml(lines: readonly string[]): string {
  return lines
    .map((l, i) => (i === 0 ? `<b>${escapeHtml(l)}</b>` : escapeHtml(l)))
    .join('<br/>')
    .replace(/[{}]/g, (c) => (c === '{' ? '&#123;' : '&#125;'));
}

function echartsDatum(d: Datum, line: Line, divisor: number): Record<string, unknown> {
  const item: Record<string, unknown> = { value: [d.x, d.y / divisor], tooltip: { formatter: tooltipHtml(d.tooltip) } };
  if (d.flagged) Object.assign(item, { symbol: CROSS_SYMBOL, symbolSize: 14, itemStyle: { color: FLAG_COLOR } });
  else if (d.beyond)
    Object.assign(item, { symbol: 'diamond', symbolSize: 13, itemStyle: { color: BEYOND_COLOR, borderColor: line.color, borderWidth: 2 } });
  else if (d.verdict)
    Object.assign(item, {
      symbol: VERDICT_SYMBOLS[d.verdict],
      symbolSize: 11,
      itemStyle: { color: VERDICT_COLORS[d.verdict], borderColor: line.color, borderWidth: 2 },
    });
  return item;
}

function echartsSeries(lines: readonly Line[], divisor: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line.band && line.band.length > 0) {
      // A transparent line at the low end with (high − low) stacked on it: the area between them is the
      // band. Same name as the line so the legend toggles both; the band carries the line's colour
      // because the legend takes its colour from the first series of a name. Ids keep live merges stable.
      const common = {
        type: 'line',
        name: line.name,
        stack: `band-${i}`,
        symbol: 'none',
        silent: true,
        tooltip: { show: false },
        itemStyle: { color: line.color },
        lineStyle: { color: line.color, opacity: 0 },
        z: 1,
      };
      out.push({ ...common, id: `${line.name}#low`, data: line.band.map((b) => [b.x, b.low / divisor]) });
      out.push({
        ...common,
        id: `${line.name}#band`,
        data: line.band.map((b) => [b.x, (b.high - b.low) / divisor]),
        areaStyle: { color: line.color, opacity: 0.22 },
      });
    }
    out.push({
      id: line.name,
      type: line.markersOnly ? 'scatter' : 'line',
      name: line.name,
      data: line.data.map((d) => echartsDatum(d, line, divisor)),
      symbol: line.reference ? 'none' : 'circle',
      symbolSize: line.markersOnly ? 14 : 7,
      itemStyle: { color: line.color },
      ...(line.markersOnly ? {} : { lineStyle: { color: line.color, width: line.reference ? 1.5 : 2, type: line.dashed ?? 'solid' } }),
      ...(line.reference ? { silent: true } : {}),
      ...(line.mark
        ? {
            markLine: {
              silent: true,
              symbol: 'none',
              animation: false,
              lineStyle: { color: VERDICT_COLORS.faster, type: 'dotted', width: 1.5 },
              label: { formatter: line.mark.label, position: 'insideEndTop', fontSize: 11 },
              data: [{ xAxis: line.mark.x }],
            },
          }
        : {}),
      z: line.reference ? 2 : 3,
    });
  });
  return out;
}

/** Rows a plain (never paged) legend needs at about 420 px, so the plot leaves room for it. */
export function legendRows(names: readonly string[]): number {
  const width = 400;
  let rows = 1;
  let used = 0;
  for (const n of names) {
    const w = 34 + 6.5 * n.length;
    if (used > 0 && used + w > width) {
      rows += 1;
      used = 0;
    }
    used += w;
  }
  return names.length === 0 ? 0 : rows;
}

export interface Frame {
  view: View;
  scale: AxisScale;
  logX: boolean;
  logY: boolean;
  /** Every x is an integer (groups, batch): no ticks at 1.5. */
  integerX: boolean;
  /** The x values of every point of the view: each chart of a view spans the same range, side by side. */
  xRange?: { min: number; max: number };
}

/** What buildSpec needs beyond the lines: the y quantity, its unit, a caption under the title. */
export interface Axis {
  /** e.g. `median latency`; the unit follows in brackets. */
  quantity: string;
  unit: Unit;
  note?: string;
}

/** The built option and the data it plots; charts.ts adds the id and title. */
export function buildOption(
  title: string,
  frame: Frame,
  axis: Axis,
  lines: readonly Line[],
): { option: ChartOption; series: ChartSeries[]; empty: boolean } {
  const ys = lines.flatMap((l) => [...l.data.map((d) => d.y), ...(l.band ?? []).map((b) => b.low)]);
  const logY = frame.logY && ys.length > 0 && ys.every((y) => y > 0);
  const { view, scale } = frame;
  const range = frame.xRange && scale.kind === 'numeric' ? { min: frame.xRange.min, max: frame.xRange.max } : {};
  const xAxis: Record<string, unknown> =
    scale.kind === 'category'
      ? { type: 'category', data: scale.categories }
      : frame.logX
        ? { type: 'log', logBase: 2, ...range }
        : { type: 'value', scale: true, ...(frame.integerX ? { minInterval: 1 } : {}), ...range };
  const empty = lines.every((l) => l.data.length === 0);
  const flagged = lines.some((l) => l.data.some((d) => d.flagged));
  const caption = empty ? 'no data recorded' : (axis.note ?? (flagged ? 'red crosses: not equivalent to serial' : undefined));
  const held = Object.entries(view.hold ?? {}).filter(([k]) => k !== view.axis);
  const heldText = held.length > 0 ? ` · ${held.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}` : '';
  const subtext = [`${view.family} · ${view.mode} · ${view.backend}${heldText}`, caption].filter(Boolean).join('\n');
  const names = [...new Set(lines.map((l) => l.name))];
  const rows = legendRows(names);
  const top = (caption ? 70 : 54) + 22;
  const yName = `${axis.quantity}${axis.unit.label ? ` (${axis.unit.label})` : ''}`;
  const option: ChartOption = {
    title: {
      text: title,
      subtext,
      left: 'center',
      top: 4,
      itemGap: 4,
      textStyle: { fontSize: 14 },
      subtextStyle: { lineHeight: 16, fontSize: 12 },
    },
    tooltip: { trigger: 'item', confine: true },
    // Plain, never 'scroll': a paged legend hides series names, in the app and in exported images.
    legend: { type: 'plain', bottom: 4, itemGap: 10, textStyle: { fontSize: 11 } },
    grid: { left: 64, right: 28, top, bottom: 44 + rows * 20 },
    xAxis: { ...xAxis, name: view.axis, nameLocation: 'middle', nameGap: 26 },
    // The y name sits above the axis, horizontal and left-aligned: rotated beside the labels it was clipped.
    yAxis: {
      ...(logY ? { type: 'log', logBase: 10 } : { type: 'value' }),
      name: yName,
      nameLocation: 'end',
      nameGap: 10,
      nameTextStyle: { align: 'left', padding: [0, 0, 0, -56] },
    },
    series: echartsSeries(lines, axis.unit.divisor || 1),
  };
  const series: ChartSeries[] = lines.map((l) => {
    const points = l.data.map(({ x, y, flagged, verdict, beyond }) => ({
      x,
      y,
      ...(flagged ? { flagged } : {}),
      ...(verdict ? { verdict } : {}),
      ...(beyond ? { beyond } : {}),
    }));
    return l.band ? { name: l.name, points, band: l.band } : { name: l.name, points };
  });
  return { option, series, empty };
}

/** Where an end label sits, in the y axis's own scale (log10 on a log axis), from a series' last point. */
function endOf(series: Record<string, unknown>, logY: boolean): number | undefined {
  const data = (series.data as ({ value?: unknown } | unknown[])[] | undefined) ?? [];
  const last = data.at(-1);
  const value = Array.isArray(last) ? last : (last as { value?: unknown } | undefined)?.value;
  const y = Array.isArray(value) ? Number(value[1]) : NaN;
  if (!Number.isFinite(y) || (logY && y <= 0)) return undefined;
  return logY ? Math.log10(y) : y;
}

/**
 * End labels that would overprint: lines ending within `gap` (a share of the y span) of each other are
 * named once, together (`a / b`), on the first of them; the others carry no label.
 */
function endLabelGroups(
  series: readonly Record<string, unknown>[],
  labelled: readonly number[],
  logY: boolean,
  gap: number,
): Map<number, string[]> {
  const ends = labelled
    .map((i) => ({ i, y: endOf(series[i]!, logY) }))
    .filter((e): e is { i: number; y: number } => e.y !== undefined)
    .sort((a, b) => a.y - b.y);
  const ys = ends.map((e) => e.y);
  const span = ys.length > 1 ? Math.max(...ys) - Math.min(...ys) : 0;
  const groups = new Map<number, string[]>();
  let head: { i: number; y: number } | undefined;
  for (const e of ends) {
    if (head && span > 0 && e.y - head.y <= gap * span) groups.get(head.i)!.push(String(series[e.i]!.name ?? ''));
    else if (head && span === 0) groups.get(head.i)!.push(String(series[e.i]!.name ?? ''));
    else {
      head = e;
      groups.set(e.i, [String(series[e.i]!.name ?? '')]);
    }
  }
  return groups;
}

/**
 * The option for an exported image (PNG, SVG): every line named at its right end, lines that end
 * together named once together (never two labels printed over each other), and room on the right for the
 * longest label, so no series is unidentifiable even where a viewer cannot hover or the legend is cropped.
 *
 * @example renderChartSvg({ ...spec, option: exportOption(spec) })
 */
export function exportOption(spec: { option: ChartOption }): ChartOption {
  const series = (spec.option.series as Record<string, unknown>[] | undefined) ?? [];
  const logY = (spec.option.yAxis as { type?: string } | undefined)?.type === 'log';
  const lines = series.flatMap((s, i) => (s.type === 'line' && typeof s.stack !== 'string' && s.silent !== true ? [i] : []));
  // About one label's height (14 px) of a plot some 260 px high: closer ends would overprint.
  const groups = endLabelGroups(series, lines, logY, 0.06);
  let longest = 0;
  const labelled = series.map((s, i) => {
    if (!lines.includes(i)) return s;
    const names = groups.get(i);
    if (!names) return { ...s, endLabel: { show: false } };
    const text = names.join(' / ');
    longest = Math.max(longest, text.length);
    // Plain text, not ECharts' `{a}` template: braces in a name are escaped like the tooltips'.
    return { ...s, endLabel: { show: true, formatter: text.replace(/[{}]/g, ''), fontSize: 11, distance: 6 } };
  });
  const grid = (spec.option.grid as Record<string, unknown> | undefined) ?? {};
  return { ...spec.option, animation: false, series: labelled, grid: { ...grid, right: Math.max(28, Math.round(longest * 6.2) + 16) } };
}

/** The export's own size: the plot fills most of the image, whatever the chart's size on screen. */
export const EXPORT_SIZE = { width: 1000, height: 620 } as const;

export type ChartId = 'latency' | 'speedup' | 'backends' | 'memory' | 'params' | 'flops' | 'memoryResidual' | 'flopsResidual';
/**
 * Every chart a view can have; `backends` only where the family and mode were measured on more than one
 * backend; the residual charts set memory and FLOPs against their closed forms.
 */
export const CHART_IDS: readonly ChartId[] = [
  'latency',
  'speedup',
  'backends',
  'memory',
  'params',
  'flops',
  'memoryResidual',
  'flopsResidual',
];

/** One chart: its ECharts option and, in `series`, exactly the data it plots (for tests and tables). */
export interface ChartSpec {
  id: ChartId;
  title: string;
  option: ChartOption;
  series: ChartSeries[];
  /** The y axis's unit as drawn (`µs`, `MiB`, `GFLOP/s`, `×`): option data are series values ÷ its divisor. */
  unit: Unit;
  /** No data recorded: the chart says so in its caption, and a static report leaves it out. */
  empty?: boolean;
  /** Speedup over groups: the groups value fusing pays from in the slice shown, marked on the chart. */
  crossover?: number;
}
