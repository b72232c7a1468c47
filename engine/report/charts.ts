import type { PointRecord, SweepResults } from '../files/schemas.js';
import {
  byteUnit,
  formatBytes,
  formatConfig,
  formatMs,
  formatNumber,
  formatPasses,
  formatSi,
  formatSpeedup,
  siUnit,
  timeUnit,
  type Unit,
} from './format.js';
import {
  PREFERRED_AXES,
  axisScale,
  axisX,
  defaultHold,
  dimensions,
  equivalenceFlag,
  groupSeries,
  heldPoints,
  hostBound,
  implementationOrder,
  isTimed,
  sweptAxes,
  viewPoints,
} from './series.js';
import type { BackendName, Series, View } from './series.js';
import {
  BEYOND_COLOR,
  FLAG_COLOR,
  REFERENCE_COLOR,
  VERDICT_COLORS,
  CHART_IDS,
  buildOption,
  colorOf,
  exportOption,
  EXPORT_SIZE,
  type Axis,
  type Band,
  type ChartId,
  type ChartSpec,
  type ChartOption,
  type ChartPoint,
  type ChartSeries,
  type Datum,
  type Frame,
  type Line,
} from './chart-option.js';
import { flopsResidualChart, memoryResidualChart, type ResidualKit } from './residual-charts.js';
import { speedupIndex } from './speedup.js';
import { summarizeResults } from './summary.js';
import { canonicalJson } from '../core/point-key.js';
import type { SpeedupInfo } from './speedup.js';
import { summarize } from '../stats/sample-stats.js';

export type { Band, ChartOption, ChartPoint, ChartSeries, ChartId, ChartSpec };
export { CHART_IDS };
export { BEYOND_COLOR, EXPORT_SIZE, FLAG_COLOR, VERDICT_COLORS, exportOption };

export interface ChartOptions {
  /** Logarithmic x axis (base 2; the default); ignored where an x value is not positive or the axis is categorical. */
  logX?: boolean;
  /**
   * Logarithmic y axis (base 10; the default: one wide interval must not flatten every point near ×1);
   * ignored per chart where a y value is not positive.
   */
  logY?: boolean;
}

interface ChartFrame extends Frame {
  results: SweepResults;
  /** Colour per implementation, the same in every chart of the view. */
  colorOf: (implementation: string) => string;
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
    lines.push(
      `speedup ${formatSpeedup(speedup)}${speedup.verdict ? ` · ${speedup.verdict}` : ''} vs ${speedup.serial?.implementation ?? 'serial'}`,
    );
  } else if (speedup?.ratio !== undefined) lines.push(`baseline/this ×${formatNumber(speedup.ratio)}, not counted as a speedup`);
  if (point.passes && point.passes.length > 0) lines.push(formatPasses(point));
  if (point.machine?.busy)
    lines.push(
      `⚠ measured while the machine was busy (other processes: ${formatNumber(point.machine.otherCpuCores ?? NaN)} cores, load ${formatNumber(point.machine.loadAvg1)})`,
    );
  if (point.allocatorBound) lines.push(`⚠ allocator-bound: ${point.allocatorNote ?? 'page faults set its time'}`);
  if (point.equivalence)
    lines.push(`relErr ${formatNumber(point.equivalence.relErr, 2)} · maxAbs ${formatNumber(point.equivalence.maxAbs, 2)}`);
  const flag = equivalenceFlag(point);
  if (flag) lines.push(`⚠ ${flag}`);
  if (point.message) lines.push(point.message);
  return lines;
}

function buildSpec(id: ChartId, title: string, axis: Axis, frame: ChartFrame, lines: readonly Line[]): ChartSpec {
  const { option, series, empty } = buildOption(title, frame, axis, lines);
  return { id, title, option, series, unit: axis.unit, ...(empty ? { empty } : {}) };
}

/** The largest |y| of the lines, bands included: what picks an axis unit. */
function largest(lines: readonly Line[]): number {
  return Math.max(0, ...lines.flatMap((l) => [...l.data.map((d) => Math.abs(d.y)), ...(l.band ?? []).map((b) => Math.abs(b.high))]));
}

const TIMES: Unit = { label: '×', divisor: 1 };

function datum(point: PointRecord, x: number, y: number, label: string, extra: string[] = [], info?: SpeedupInfo): Datum {
  const flagged = equivalenceFlag(point);
  const d: Datum = { x, y, tooltip: [...pointTooltipLines(point, label, info), ...extra] };
  if (flagged) d.flagged = flagged;
  return d;
}

function byX(a: { x: number }, b: { x: number }): number {
  return a.x - b.x;
}

/**
 * Line styles of the series of one implementation when a swept key is not held (one line per value):
 * the colour stays the implementation's, the dash tells the values apart.
 */
function dashOf(groups: readonly Series[], g: Series): Line['dashed'] {
  const same = groups.filter((o) => o.implementation === g.implementation);
  const i = same.indexOf(g);
  return i <= 0 ? undefined : i % 2 === 1 ? 'dashed' : 'dotted';
}

function latencyChart(frame: ChartFrame, groups: Series[], speedupOf: (p: PointRecord) => SpeedupInfo): ChartSpec {
  const lines = groups.map((g): Line => {
    const data: Datum[] = [];
    const band: Band[] = [];
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      if (x === undefined || !isTimed(p)) continue;
      data.push(datum(p, x, p.time.medianMs, g.label, [], speedupOf(p)));
      const s = p.time.samplesMs.length > 0 ? summarize(p.time.samplesMs) : undefined;
      band.push({ x, low: s?.q1 ?? p.time.medianMs, high: s?.q3 ?? p.time.medianMs });
    }
    const dashed = dashOf(groups, g);
    return {
      name: g.label,
      color: frame.colorOf(g.implementation),
      ...(dashed ? { dashed } : {}),
      data: data.sort(byX),
      band: band.sort(byX),
    };
  });
  return buildSpec('latency', 'Latency (median, IQR band)', { quantity: 'median latency', unit: timeUnit(largest(lines)) }, frame, lines);
}

/** The dashed y = 1 line across the x range: a band wholly above it is faster than the serial loop. */
function referenceLine(xs: readonly number[]): Line[] {
  if (xs.length === 0) return [];
  const ends = [Math.min(...xs), Math.max(...xs)];
  const data = ends.map((x) => ({ x, y: 1, tooltip: ['serial = 1', 'a band wholly above the line: faster than serial'] }));
  return [{ name: 'serial = 1', color: REFERENCE_COLOR, dashed: 'dashed', reference: true, data }];
}

/** A counted speedup as a chart point with its verdict, and its interval in the line's band where it has one. */
function addSpeedup(line: { data: Datum[]; band: Band[] }, p: PointRecord, x: number, label: string, info: SpeedupInfo): void {
  const d = datum(p, x, info.speedup!, label, [], info);
  if (info.verdict) d.verdict = info.verdict;
  line.data.push(d);
  if (info.speedupLow !== undefined && info.speedupHigh !== undefined) line.band.push({ x, low: info.speedupLow, high: info.speedupHigh });
}

/**
 * The crossover of the slice a groups view shows (the summary's, DESIGN.md §5): the smallest g from which
 * fusing is faster at every larger g; undefined where the view is not over groups or holds no one slice.
 */
function crossoverOf(frame: ChartFrame): number | undefined {
  const { view } = frame;
  if (view.axis !== 'groups' || frame.scale.kind !== 'numeric') return undefined;
  const s = summarizeResults(frame.results).find((g) => g.family === view.family && g.mode === view.mode && g.backend === view.backend);
  const hold = view.hold ?? {};
  const slice = s?.slices.find(({ slice }) =>
    Object.entries(slice).every(([k, v]) => k in hold && canonicalJson(hold[k]) === canonicalJson(v)),
  );
  return slice?.crossover.kind === 'found' ? slice.crossover.groups : undefined;
}

function speedupChart(frame: ChartFrame, groups: Series[], speedupOf: (p: PointRecord) => SpeedupInfo): ChartSpec {
  const flagged: Datum[] = [];
  const lines: Line[] = [];
  for (const g of groups) {
    if (g.role !== 'parallel') continue;
    const line = { data: [] as Datum[], band: [] as Band[] };
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      const info = speedupOf(p);
      if (x === undefined) continue;
      if (info.speedup !== undefined) addSpeedup(line, p, x, g.label, info);
      else if (info.flagged && info.ratio !== undefined) flagged.push(datum(p, x, info.ratio, g.label, [], info));
    }
    const { data, band } = line;
    const dashed = dashOf(groups, g);
    lines.push({
      name: g.label,
      color: frame.colorOf(g.implementation),
      ...(dashed ? { dashed } : {}),
      data: data.sort(byX),
      band: band.sort(byX),
    });
  }
  const xs = heldPoints(frame.results, frame.view)
    .map((p) => axisX(p, frame.view.axis, frame.scale))
    .filter((x): x is number => x !== undefined);
  if (flagged.length > 0) lines.push({ name: 'not equivalent', color: FLAG_COLOR, markersOnly: true, data: flagged.sort(byX) });
  const crossover = crossoverOf(frame);
  const reference = referenceLine(xs);
  if (crossover !== undefined && reference[0]) reference[0].mark = { x: crossover, label: `pays from g ≥ ${crossover}` };
  lines.push(...reference);
  const note =
    flagged.length > 0 ? 'red crosses: not equivalent, not counted as a speedup' : '▲ faster · ▼ slower · ● within noise (95% band)';
  const spec = buildSpec('speedup', 'Speedup vs serial (95% interval)', { quantity: 'speedup', unit: TIMES, note }, frame, lines);
  return crossover !== undefined ? { ...spec, crossover } : spec;
}

/**
 * The same family and mode on every backend it was measured on, one line per backend × parallel
 * implementation (paired median with its 95% band): where backends disagree about whether fusing
 * pays, it shows.
 */
function backendsChart(frame: ChartFrame, backends: readonly BackendName[], speedupOf: (p: PointRecord) => SpeedupInfo): ChartSpec {
  const lines: Line[] = [];
  let color = 0;
  for (const backend of backends) {
    for (const g of groupSeries(frame.results, { ...frame.view, backend })) {
      if (g.role !== 'parallel') continue;
      const line = { data: [] as Datum[], band: [] as Band[] };
      for (const p of g.points) {
        const x = axisX(p, frame.view.axis, frame.scale);
        const info = speedupOf(p);
        if (x !== undefined && info.speedup !== undefined) addSpeedup(line, p, x, `${g.label} · ${backend}`, info);
      }
      const { data, band } = line;
      lines.push({ name: `${g.label} · ${backend}`, color: colorOf(color++), data: data.sort(byX), band: band.sort(byX) });
    }
  }
  lines.push(...referenceLine(lines.flatMap((l) => l.data.map((d) => d.x))));
  // The backends are in the legend (one line each): the title stays short enough never to be clipped.
  return buildSpec('backends', 'Speedup on each backend (95%)', { quantity: 'speedup', unit: TIMES }, frame, lines);
}

function memoryChart(frame: ChartFrame, groups: Series[]): ChartSpec {
  const lines: Line[] = [];
  for (const g of groups) {
    const measured: Datum[] = [];
    const predicted: Datum[] = [];
    for (const p of g.points) {
      const x = axisX(p, frame.view.axis, frame.scale);
      if (x === undefined || p.status !== 'ok' || !p.memory) continue;
      const m = p.memory;
      const extra = [
        `peak ${formatBytes(m.peakBytes)} measured (${m.source})${m.predictedPeakBytes !== undefined ? ` · ${formatBytes(m.predictedPeakBytes)} predicted` : ''}`,
        `${m.tfjsPeakBytes !== undefined ? `tfjs tensor accounting ${formatBytes(m.tfjsPeakBytes)} · ` : ''}${m.newTensors} new tensors · ${m.kernelCount} kernels`,
        ...(m.note ? [m.note] : []),
      ];
      measured.push(datum(p, x, m.peakBytes, `${g.label} measured`, extra));
      if (m.predictedPeakBytes !== undefined) predicted.push(datum(p, x, m.predictedPeakBytes, `${g.label} predicted`, extra));
    }
    const color = frame.colorOf(g.implementation);
    lines.push({ name: `${g.label} measured`, color, data: measured.sort(byX) });
    lines.push({ name: `${g.label} predicted`, color, dashed: 'dashed', data: predicted.sort(byX) });
  }
  return buildSpec(
    'memory',
    'Peak memory: measured vs predicted',
    { quantity: 'peak memory', unit: byteUnit(largest(lines)) },
    frame,
    lines,
  );
}

function paramsChart(frame: ChartFrame, groups: Series[]): ChartSpec {
  const lines: Line[] = [];
  // The formula is the family's (serial layout), the same for every implementation: one line per
  // combination of the other swept keys, not one per implementation.
  const formulas = new Map<string, Datum[]>();
  for (const g of groups) {
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
    const color = frame.colorOf(g.implementation);
    lines.push({ name: `${g.label} counted`, color, data: counted.sort(byX) });
    lines.push({ name: `${g.label} stored`, color, dashed: 'dotted', data: stored.sort(byX) });
  }
  for (const [suffix, data] of formulas) lines.push({ name: `formula${suffix}`, color: '#444444', dashed: 'dashed', data: data.sort(byX) });
  const points = lines.flatMap((l) => l.data);
  const note = points.length > 0 && points.every((d) => d.y === 0) ? 'no trainable parameters in this family' : undefined;
  const axis = { quantity: 'parameters', unit: siUnit(largest(lines)), ...(note ? { note } : {}) };
  return buildSpec('params', 'Parameters: counted, stored, formula', axis, frame, lines);
}

function flopsChart(frame: ChartFrame, groups: Series[]): ChartSpec {
  const lines = groups.map((g): Line => {
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
    const dashed = dashOf(groups, g);
    return { name: g.label, color: frame.colorOf(g.implementation), ...(dashed ? { dashed } : {}), data: data.sort(byX) };
  });
  const points = lines.flatMap((l) => l.data);
  const note =
    points.length > 0 && points.every((d) => d.y === 0) ? 'no arithmetic in this family: it only moves memory (0 FLOPs)' : undefined;
  const axis = { quantity: 'achieved', unit: siUnit(largest(lines), 'FLOP/s'), ...(note ? { note } : {}) };
  return buildSpec('flops', 'Achieved FLOP/s', axis, frame, lines);
}

/**
 * The charts of one view: latency, speedup, the backends side by side (where the family and mode were
 * measured on more than one backend), memory, parameters, FLOP/s, and memory and FLOPs against their
 * formulas. Colour is the implementation's, the same in every chart of the view.
 *
 * @example buildCharts(results, defaultViews(results)[0], { logX: true }).map((c) => c.id)
 * // ['latency', 'speedup', 'memory', 'params', 'flops', 'memoryResidual', 'flopsResidual']
 */
export function buildCharts(results: SweepResults, view: View, options: ChartOptions = {}): ChartSpec[] {
  const points = heldPoints(results, view);
  const scale = axisScale(points, view.axis);
  const xs = points.map((p) => axisX(p, view.axis, scale)).filter((x): x is number => x !== undefined);
  const logX = (options.logX ?? true) && scale.kind === 'numeric' && xs.length > 0 && xs.every((x) => x > 0);
  const order = implementationOrder(results, view);
  const frame: ChartFrame = {
    view,
    scale,
    logX,
    logY: options.logY ?? true,
    integerX: xs.every(Number.isInteger),
    ...(xs.length > 0 ? { xRange: { min: Math.min(...xs), max: Math.max(...xs) } } : {}),
    results,
    colorOf: (implementation) => colorOf(Math.max(0, order.indexOf(implementation))),
  };
  const groups = groupSeries(results, view);
  const speedupOf = speedupIndex(results);
  const backends = dimensions(results).backends.filter(
    (b) => viewPoints(results, { family: view.family, mode: view.mode, backend: b }).length > 0,
  );
  const kit: ResidualKit = { frame, datum, buildSpec: (id, title, axis, lines) => buildSpec(id, title, axis, frame, lines) };
  return [
    latencyChart(frame, groups, speedupOf),
    speedupChart(frame, groups, speedupOf),
    ...(backends.length > 1 ? [backendsChart(frame, backends, speedupOf)] : []),
    memoryChart(frame, groups),
    paramsChart(frame, groups),
    flopsChart(frame, groups),
    memoryResidualChart(kit, groups),
    flopsResidualChart(kit, groups),
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

function withHold(results: SweepResults, view: View): View {
  return { ...view, hold: defaultHold(results, view) };
}

/**
 * One view per family × mode × backend, on its first swept axis (groups, then channels, then batch,
 * then any other), the other swept keys held at their largest values (the summary's headline slice);
 * a family swept over nothing is shown against its first config key.
 *
 * @example defaultViews(results)[0] // { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups', hold: { batch: 2 } }
 */
export function defaultViews(results: SweepResults): View[] {
  return combinations(results).map((c) => withHold(results, { ...c, axis: viewAxes(results, c.family)[0] ?? 'groups' }));
}

/** Every view: each family × mode × backend on each of its swept axes, the others held as in defaultViews. */
export function allViews(results: SweepResults): View[] {
  return combinations(results).flatMap((c) => viewAxes(results, c.family).map((axis) => withHold(results, { ...c, axis })));
}

function viewAxes(results: SweepResults, family: string): string[] {
  const swept = sweptAxes(results, family);
  if (swept.length > 0) return swept;
  const keys = Object.keys(results.points.find((p) => p.family === family)?.config ?? {}).sort();
  const axis = PREFERRED_AXES.find((k) => keys.includes(k)) ?? keys[0];
  return axis === undefined ? [] : [axis];
}
