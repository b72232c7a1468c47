import type { PointRecord, SweepResults } from '../files/schemas.js';
import { escapeHtml, formatBytes, formatConfig, formatMs, formatNumber, formatSi } from './format.js';
import {
  PREFERRED_AXES,
  axisScale,
  axisX,
  dimensions,
  equivalenceFlag,
  groupSeries,
  hostBound,
  isTimed,
  sweptAxes,
  viewPoints,
} from './series.js';
import type { AxisScale, Series, View } from './series.js';
import { speedupIndex } from './speedup.js';
import type { SpeedupInfo } from './speedup.js';
import { summarize } from '../stats/sample-stats.js';

export type ChartId = 'latency' | 'speedup' | 'memory' | 'params' | 'flops';
export const CHART_IDS: readonly ChartId[] = ['latency', 'speedup', 'memory', 'params', 'flops'];

/** One plotted value; `flagged` says why it must not be read as a like-for-like comparison. */
export interface ChartPoint {
  x: number;
  y: number;
  flagged?: string;
}

/** The data one chart series shows; latency series also carry their q1..q3 band. */
export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  band?: { x: number; low: number; high: number }[];
}

/**
 * An ECharts option as plain JSON (no functions), so it can be inlined in an HTML file or sent over IPC.
 * Typed loosely on purpose: engine/ must not depend on echarts (ESLint layering rule).
 */
export type ChartOption = Record<string, unknown>;

/** One chart: its ECharts option and, in `series`, exactly the data it plots (for tests and tables). */
export interface ChartSpec {
  id: ChartId;
  title: string;
  option: ChartOption;
  series: ChartSeries[];
}

export interface ChartOptions {
  /** Logarithmic x axis (base 2); ignored where an x value is not positive or the axis is categorical. */
  logX?: boolean;
  /** Logarithmic y axis (base 10); ignored per chart where a y value is not positive. */
  logY?: boolean;
}

/** Colours without red, which is kept for flagged (non-equivalent) points. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#8C564B', '#7F7F7F', '#BCBD22', '#17BECF', '#9467BD'];
export const FLAG_COLOR = '#D62728';
/** A filled X: ECharts has no built-in cross symbol. */
const CROSS_SYMBOL = 'path://M2,0L5,3L8,0L10,2L7,5L10,8L8,10L5,7L2,10L0,8L3,5L0,2Z';

interface Datum extends ChartPoint {
  tooltip: string[];
}

interface Line {
  name: string;
  color: string;
  dashed?: 'dashed' | 'dotted';
  /** A scatter of markers without a connecting line. */
  markersOnly?: boolean;
  data: Datum[];
  band?: { x: number; low: number; high: number }[];
}

function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

/** The full statistics of a point, one line each, for tooltips. */
export function pointTooltipLines(point: PointRecord, label: string, speedup?: SpeedupInfo): string[] {
  const lines = [label, formatConfig(point.config), `status: ${point.status}`];
  const t = point.time;
  if (t) {
    const s = t.samplesMs.length > 0 ? summarize(t.samplesMs) : undefined;
    const band = s ? ` (q1 ${formatNumber(s.q1)} – q3 ${formatNumber(s.q3)})` : '';
    lines.push(`median ${formatMs(t.medianMs)} · IQR ${formatMs(t.iqrMs)}${band} · relIQR ${formatNumber(t.relIqr * 100)}%`);
    lines.push(`min ${formatMs(t.minMs)} · mean ${formatMs(t.meanMs)} · n ${t.n} rounds of ${t.blockSize} call(s) · stop: ${t.stopReason}`);
    const kernel =
      t.kernelMs !== undefined
        ? `kernel ${formatMs(t.kernelMs)} (${t.kernelTiming} time${hostBound(point) ? `, wall ×${formatNumber(t.medianMs / t.kernelMs)} of it` : ''})`
        : '';
    const first =
      t.firstCallMs !== undefined
        ? `first call ${formatMs(t.firstCallMs)} (${t.firstCallWhere === 'gate' ? 'cold, in the equivalence gate' : 'after the gate'})`
        : '';
    const extra = [first, kernel].filter(Boolean).join(' · ');
    if (extra) lines.push(extra);
  }
  if (speedup?.speedup !== undefined) {
    const range = speedup.speedupLow !== undefined ? ` [${formatNumber(speedup.speedupLow)}–${formatNumber(speedup.speedupHigh)}]` : '';
    lines.push(
      `speedup ×${formatNumber(speedup.speedup)}${range}${speedup.verdict ? ` · ${speedup.verdict}` : ''} vs ${speedup.serial?.implementation ?? 'serial'}`,
    );
  } else if (speedup?.ratio !== undefined) lines.push(`baseline/this ×${formatNumber(speedup.ratio)}, not counted as a speedup`);
  if (point.machine?.busy)
    lines.push(
      `⚠ measured while the machine was busy (other processes: ${formatNumber(point.machine.otherCpuCores ?? NaN)} cores, load ${formatNumber(point.machine.loadAvg1)})`,
    );
  if (point.equivalence)
    lines.push(`relErr ${formatNumber(point.equivalence.relErr, 2)} · maxAbs ${formatNumber(point.equivalence.maxAbs, 2)}`);
  const flag = equivalenceFlag(point);
  if (flag) lines.push(`⚠ ${flag}`);
  if (point.message) lines.push(point.message);
  return lines;
}

/** Tooltip HTML: ECharts inserts formatter strings as HTML and expands `{a}`-style templates, so both are neutralised. */
function tooltipHtml(lines: readonly string[]): string {
  return lines
    .map((l, i) => (i === 0 ? `<b>${escapeHtml(l)}</b>` : escapeHtml(l)))
    .join('<br/>')
    .replace(/[{}]/g, (c) => (c === '{' ? '&#123;' : '&#125;'));
}

function echartsDatum(d: Datum): Record<string, unknown> {
  const item: Record<string, unknown> = { value: [d.x, d.y], tooltip: { formatter: tooltipHtml(d.tooltip) } };
  if (d.flagged) Object.assign(item, { symbol: CROSS_SYMBOL, symbolSize: 14, itemStyle: { color: FLAG_COLOR } });
  return item;
}

function echartsSeries(lines: readonly Line[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    if (line.band && line.band.length > 0) {
      // A transparent line at q1 with (q3 − q1) stacked on it: the area between them is the band. Same
      // name as the median line so the legend toggles both together.
      // The legend takes its colour from the first series of a name, so the band carries the line's colour.
      const common = {
        type: 'line',
        name: line.name,
        stack: `iqr-${i}`,
        symbol: 'none',
        silent: true,
        tooltip: { show: false },
        itemStyle: { color: line.color },
        lineStyle: { color: line.color, opacity: 0 },
        z: 1,
      };
      out.push({ ...common, data: line.band.map((b) => [b.x, b.low]) });
      out.push({ ...common, data: line.band.map((b) => [b.x, b.high - b.low]), areaStyle: { color: line.color, opacity: 0.22 } });
    }
    out.push({
      type: line.markersOnly ? 'scatter' : 'line',
      name: line.name,
      data: line.data.map(echartsDatum),
      symbol: 'circle',
      symbolSize: line.markersOnly ? 14 : 7,
      itemStyle: { color: line.color },
      ...(line.markersOnly ? {} : { lineStyle: { color: line.color, width: 2, type: line.dashed ?? 'solid' } }),
      z: 3,
    });
  });
  return out;
}

interface Frame {
  results: SweepResults;
  view: View;
  scale: AxisScale;
  logX: boolean;
  logY: boolean;
  /** Every x is an integer (groups, batch): no ticks at 1.5. */
  integerX: boolean;
}

function buildSpec(id: ChartId, title: string, yName: string, frame: Frame, lines: readonly Line[], note?: string): ChartSpec {
  const ys = lines.flatMap((l) => [...l.data.map((d) => d.y), ...(l.band ?? []).map((b) => b.low)]);
  const logY = frame.logY && ys.length > 0 && ys.every((y) => y > 0);
  const { view, scale } = frame;
  const xAxis: Record<string, unknown> =
    scale.kind === 'category'
      ? { type: 'category', data: scale.categories }
      : frame.logX
        ? { type: 'log', logBase: 2 }
        : { type: 'value', scale: true, ...(frame.integerX ? { minInterval: 1 } : {}) };
  const empty = lines.every((l) => l.data.length === 0);
  const flagged = lines.some((l) => l.data.some((d) => d.flagged));
  const caption = empty ? 'no data recorded' : (note ?? (flagged ? 'red crosses: not equivalent to serial' : undefined));
  const subtext = [`${view.family} · ${view.mode} · ${view.backend}`, caption].filter(Boolean).join('\n');
  const option: ChartOption = {
    title: { text: title, subtext, left: 'center', itemGap: 6, subtextStyle: { lineHeight: 16 } },
    tooltip: { trigger: 'item', confine: true },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 80, right: 40, top: caption ? 80 : 70, bottom: 80 },
    xAxis: { ...xAxis, name: view.axis, nameLocation: 'middle', nameGap: 28 },
    yAxis: { ...(logY ? { type: 'log', logBase: 10 } : { type: 'value' }), name: yName, nameLocation: 'middle', nameGap: 60 },
    series: echartsSeries(lines),
  };
  const series: ChartSeries[] = lines.map((l) => {
    const points = l.data.map(({ x, y, flagged }) => (flagged ? { x, y, flagged } : { x, y }));
    return l.band ? { name: l.name, points, band: l.band } : { name: l.name, points };
  });
  return { id, title, option, series };
}

function datum(point: PointRecord, x: number, y: number, label: string, extra: string[] = [], info?: SpeedupInfo): Datum {
  const flagged = equivalenceFlag(point);
  const d: Datum = { x, y, tooltip: [...pointTooltipLines(point, label, info), ...extra] };
  if (flagged) d.flagged = flagged;
  return d;
}

function byX(a: { x: number }, b: { x: number }): number {
  return a.x - b.x;
}

function latencyChart(frame: Frame, groups: Series[], speedupOf: (p: PointRecord) => SpeedupInfo): ChartSpec {
  const lines = groups.map((g, i): Line => {
    const data: Datum[] = [];
    const band: { x: number; low: number; high: number }[] = [];
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      if (x === undefined || !isTimed(p)) continue;
      data.push(datum(p, x, p.time.medianMs, g.label, [], speedupOf(p)));
      const s = p.time.samplesMs.length > 0 ? summarize(p.time.samplesMs) : undefined;
      band.push({ x, low: s?.q1 ?? p.time.medianMs, high: s?.q3 ?? p.time.medianMs });
    }
    return { name: g.label, color: colorOf(i), data: data.sort(byX), band: band.sort(byX) };
  });
  return buildSpec('latency', 'Latency (median, IQR band)', 'median latency (ms)', frame, lines);
}

function speedupChart(frame: Frame, groups: Series[], speedupOf: (p: PointRecord) => SpeedupInfo): ChartSpec {
  const flagged: Datum[] = [];
  const lines: Line[] = [];
  groups.forEach((g, i) => {
    if (g.role !== 'parallel') return;
    const data: Datum[] = [];
    const band: { x: number; low: number; high: number }[] = [];
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      const info = speedupOf(p);
      if (x === undefined) continue;
      if (info.speedup !== undefined) {
        data.push(datum(p, x, info.speedup, g.label, [], info));
        if (info.speedupLow !== undefined && info.speedupHigh !== undefined) band.push({ x, low: info.speedupLow, high: info.speedupHigh });
      } else if (info.flagged && info.ratio !== undefined) flagged.push(datum(p, x, info.ratio, g.label, [], info));
    }
    lines.push({ name: g.label, color: colorOf(i), data: data.sort(byX), band: band.sort(byX) });
  });
  const xs = viewPoints(frame.results, frame.view)
    .map((p) => axisX(p, frame.view.axis, frame.scale))
    .filter((x): x is number => x !== undefined);
  if (flagged.length > 0) lines.push({ name: 'not equivalent', color: FLAG_COLOR, markersOnly: true, data: flagged.sort(byX) });
  if (xs.length > 0) {
    const ends = [Math.min(...xs), Math.max(...xs)];
    const reference = ends.map((x) => ({ x, y: 1, tooltip: ['serial = 1', 'a band wholly above the line: faster than serial'] }));
    lines.push({ name: 'serial = 1', color: '#7F7F7F', dashed: 'dashed', data: reference });
  }
  const note = flagged.length > 0 ? 'red crosses: not equivalent, not counted as a speedup' : undefined;
  return buildSpec('speedup', 'Speedup over the serial loop (paired median, 95% band)', 'speedup (×)', frame, lines, note);
}

function memoryChart(frame: Frame, groups: Series[]): ChartSpec {
  const lines: Line[] = [];
  groups.forEach((g, i) => {
    const measured: Datum[] = [];
    const predicted: Datum[] = [];
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      if (x === undefined || p.status !== 'ok' || !p.memory) continue;
      const m = p.memory;
      const extra = [
        `peak ${formatBytes(m.peakBytes)} measured (${m.source}) · ${formatBytes(m.predictedPeakBytes)} predicted`,
        `tfjs tensor accounting ${formatBytes(m.tfjsPeakBytes)} · ${m.newTensors} new tensors · ${m.kernelCount} kernels`,
        ...(m.note ? [m.note] : []),
      ];
      measured.push(datum(p, x, m.peakBytes, `${g.label} measured`, extra));
      predicted.push(datum(p, x, m.predictedPeakBytes, `${g.label} predicted`, extra));
    }
    lines.push({ name: `${g.label} measured`, color: colorOf(i), data: measured.sort(byX) });
    lines.push({ name: `${g.label} predicted`, color: colorOf(i), dashed: 'dashed', data: predicted.sort(byX) });
  });
  return buildSpec('memory', 'Peak memory: measured vs predicted', 'peak bytes', frame, lines);
}

function paramsChart(frame: Frame, groups: Series[]): ChartSpec {
  const lines: Line[] = [];
  // The formula is the family's (serial layout), the same for every implementation: one line per
  // combination of the other swept keys, not one per implementation.
  const formulas = new Map<string, Datum[]>();
  groups.forEach((g, i) => {
    const counted: Datum[] = [];
    const stored: Datum[] = [];
    const suffix = g.label.slice(g.implementation.length);
    let formula = formulas.get(suffix);
    if (!formula) formulas.set(suffix, (formula = []));
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      if (x === undefined || !p.params) continue;
      const pr = p.params;
      const extra = [`params counted ${pr.counted} · stored ${pr.stored} · formula ${pr.formula}`];
      counted.push(datum(p, x, pr.counted, `${g.label} counted`, extra));
      stored.push(datum(p, x, pr.stored, `${g.label} stored`, extra));
      if (!formula.some((d) => d.x === x)) formula.push({ x, y: pr.formula, tooltip: [`formula${suffix}`, `${pr.formula} parameters`] });
    }
    lines.push({ name: `${g.label} counted`, color: colorOf(i), data: counted.sort(byX) });
    lines.push({ name: `${g.label} stored`, color: colorOf(i), dashed: 'dotted', data: stored.sort(byX) });
  });
  for (const [suffix, data] of formulas) lines.push({ name: `formula${suffix}`, color: '#444444', dashed: 'dashed', data: data.sort(byX) });
  const points = lines.flatMap((l) => l.data);
  const note = points.length > 0 && points.every((d) => d.y === 0) ? 'no trainable parameters in this family' : undefined;
  return buildSpec('params', 'Parameters: counted and stored vs formula', 'parameters', frame, lines, note);
}

function flopsChart(frame: Frame, groups: Series[]): ChartSpec {
  const lines = groups.map((g, i): Line => {
    const data: Datum[] = [];
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      const rate = p.flops?.achievedPerSecond;
      if (x === undefined || p.status !== 'ok' || rate === undefined) continue;
      const extra = [
        `achieved ${formatSi(rate, 'FLOP/s')} · useful ${formatSi(p.flops?.useful, 'FLOP')} · executed ${formatSi(p.flops?.executed, 'FLOP')}`,
      ];
      data.push(datum(p, x, rate, g.label, extra));
    }
    return { name: g.label, color: colorOf(i), data: data.sort(byX) };
  });
  const points = lines.flatMap((l) => l.data);
  const note =
    points.length > 0 && points.every((d) => d.y === 0) ? 'no arithmetic in this family: it only moves memory (0 FLOPs)' : undefined;
  return buildSpec('flops', 'Achieved FLOP/s', 'FLOP/s', frame, lines, note);
}

/**
 * The five charts of one view: latency, speedup, memory, parameters and FLOP/s.
 *
 * @example buildCharts(results, defaultViews(results)[0], { logX: true }).map((c) => c.id)
 * // ['latency', 'speedup', 'memory', 'params', 'flops']
 */
export function buildCharts(results: SweepResults, view: View, options: ChartOptions = {}): ChartSpec[] {
  const points = viewPoints(results, view);
  const scale = axisScale(points, view.axis);
  const xs = points.map((p) => axisX(p, view.axis, scale)).filter((x): x is number => x !== undefined);
  const logX = options.logX === true && scale.kind === 'numeric' && xs.length > 0 && xs.every((x) => x > 0);
  const frame: Frame = { view, scale, logX, logY: options.logY === true, integerX: xs.every(Number.isInteger), results };
  const groups = groupSeries(results, view);
  const speedupOf = speedupIndex(results);
  return [
    latencyChart(frame, groups, speedupOf),
    speedupChart(frame, groups, speedupOf),
    memoryChart(frame, groups),
    paramsChart(frame, groups),
    flopsChart(frame, groups),
  ];
}

/** Every family × mode × backend present, in sweep order. */
function combinations(results: SweepResults): Omit<View, 'axis'>[] {
  const { families, modes, backends } = dimensions(results);
  const out: Omit<View, 'axis'>[] = [];
  for (const family of families)
    for (const mode of modes)
      for (const backend of backends) if (viewPoints(results, { family, mode, backend }).length > 0) out.push({ family, mode, backend });
  return out;
}

/**
 * One view per family × mode × backend, on its first swept axis (groups, then channels, then batch,
 * then any other); a family swept over nothing is shown against its first config key.
 *
 * @example defaultViews(results)[0] // { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups' }
 */
export function defaultViews(results: SweepResults): View[] {
  return combinations(results).map((c) => ({ ...c, axis: viewAxes(results, c.family)[0] ?? 'groups' }));
}

/** Every view: each family × mode × backend on each of its swept axes. */
export function allViews(results: SweepResults): View[] {
  return combinations(results).flatMap((c) => viewAxes(results, c.family).map((axis) => ({ ...c, axis })));
}

function viewAxes(results: SweepResults, family: string): string[] {
  const swept = sweptAxes(results, family);
  if (swept.length > 0) return swept;
  const keys = Object.keys(results.points.find((p) => p.family === family)?.config ?? {}).sort();
  const axis = PREFERRED_AXES.find((k) => keys.includes(k)) ?? keys[0];
  return axis === undefined ? [] : [axis];
}
