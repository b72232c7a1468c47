/**
 * Measured against the closed forms (DESIGN.md §4.7, docs/measurement.md "Counting rules"): peak memory
 * measured ÷ predicted, and FLOPs executed ÷ useful. A point beyond ±10% is marked (an orange diamond)
 * with the reason, so a formula that drifts, or a form that runs work it does not need, shows at once.
 */
import type { PointRecord } from '../files/schemas.js';
import { formatBytes, formatNumber, formatSi } from './format.js';
import { axisX, type Series } from './series.js';
import { REFERENCE_COLOR, type Axis, type ChartId, type ChartSpec, type Datum, type Frame, type Line } from './chart-option.js';

/** How far a figure may stray from its formula before it is marked. */
export const RESIDUAL_TOLERANCE = 0.1;

/** What the residual charts borrow from charts.ts (its tooltips and spec assembly), passed in to keep imports one-way. */
export interface ResidualKit {
  frame: Frame & { colorOf: (implementation: string) => string };
  datum: (point: PointRecord, x: number, y: number, label: string, extra?: string[]) => Datum;
  buildSpec: (id: ChartId, title: string, axis: Axis, lines: readonly Line[]) => ChartSpec;
}

const RATIO = { label: '', divisor: 1 };

function byX(a: { x: number }, b: { x: number }): number {
  return a.x - b.x;
}

/** Dashed horizontal references at each y across the plotted x range. */
function references(lines: readonly Line[], ys: readonly { y: number; name: string }[]): Line[] {
  const xs = lines.flatMap((l) => l.data.map((d) => d.x));
  if (xs.length === 0) return [];
  const ends = [Math.min(...xs), Math.max(...xs)];
  return ys.map(({ y, name }) => ({
    name,
    color: REFERENCE_COLOR,
    dashed: y === 1 ? 'dashed' : 'dotted',
    reference: true,
    data: ends.map((x) => ({ x, y, tooltip: [name] })),
  }));
}

function counted(lines: readonly Line[]): { total: number; beyond: number } {
  const data = lines.flatMap((l) => l.data);
  return { total: data.length, beyond: data.filter((d) => d.beyond).length };
}

/** Peak memory measured ÷ predicted per implementation; points beyond ±10% marked with why. */
export function memoryResidualChart(kit: ResidualKit, groups: readonly Series[]): ChartSpec {
  const lines: Line[] = groups.map((g) => {
    const data: Datum[] = [];
    for (const p of g.points) {
      const x = axisX(p, kit.frame.view.axis, kit.frame.scale);
      const m = p.memory;
      if (x === undefined || p.status !== 'ok' || !m || !m.predictedPeakBytes || m.predictedPeakBytes <= 0) continue;
      const ratio = m.peakBytes / m.predictedPeakBytes;
      const text = `measured ${formatBytes(m.peakBytes)} = ×${formatNumber(ratio)} of predicted ${formatBytes(m.predictedPeakBytes)}`;
      const d = kit.datum(p, x, ratio, g.label, [text, ...(m.note ? [m.note] : [])]);
      if (Math.abs(ratio - 1) > RESIDUAL_TOLERANCE)
        d.beyond = `${text}: beyond ±${RESIDUAL_TOLERANCE * 100}%${m.note ? `; ${m.note}` : ''}`;
      data.push(d);
    }
    return { name: g.label, color: kit.frame.colorOf(g.implementation), markersOnly: false, data: data.sort(byX) };
  });
  const { total, beyond } = counted(lines);
  const note =
    total === 0
      ? undefined
      : beyond > 0
        ? `◆ ${beyond} of ${total} beyond ±10% of the formula (hover for why)`
        : `all ${total} within ±10% of the formula`;
  lines.push(
    ...references(lines, [
      { y: 1, name: 'formula' },
      { y: 1 + RESIDUAL_TOLERANCE, name: '+10%' },
      { y: 1 - RESIDUAL_TOLERANCE, name: '−10%' },
    ]),
  );
  return kit.buildSpec(
    'memoryResidual',
    'Memory: measured ÷ predicted',
    { quantity: 'measured ÷ predicted', unit: RATIO, ...(note ? { note } : {}) },
    lines,
  );
}

/**
 * FLOPs executed ÷ useful per implementation (1 where a form computes only what the layer needs); above
 * 1.1 the form runs work the layer does not need, e.g. the zeros of a block-diagonal kernel.
 */
export function flopsResidualChart(kit: ResidualKit, groups: readonly Series[]): ChartSpec {
  const lines: Line[] = groups.map((g) => {
    const data: Datum[] = [];
    for (const p of g.points) {
      const x = axisX(p, kit.frame.view.axis, kit.frame.scale);
      const f = p.flops;
      if (x === undefined || p.status !== 'ok' || !f || f.useful <= 0) continue;
      const ratio = f.executed / f.useful;
      const text = `executes ${formatSi(f.executed, 'FLOP')} for ${formatSi(f.useful, 'FLOP')} useful: ×${formatNumber(ratio)}`;
      const d = kit.datum(p, x, ratio, g.label, [text]);
      if (ratio > 1 + RESIDUAL_TOLERANCE) d.beyond = `${text}: work the layer does not need`;
      data.push(d);
    }
    return { name: g.label, color: kit.frame.colorOf(g.implementation), data: data.sort(byX) };
  });
  const { total, beyond } = counted(lines);
  const note =
    total === 0
      ? 'no arithmetic in this family: it only moves memory (0 FLOPs)'
      : beyond > 0
        ? `◆ ${beyond} of ${total} execute over 10% more than the useful FLOPs`
        : `all ${total} execute only the useful FLOPs (within 10%)`;
  lines.push(
    ...references(lines, [
      { y: 1, name: 'useful' },
      { y: 1 + RESIDUAL_TOLERANCE, name: '+10%' },
    ]),
  );
  return kit.buildSpec('flopsResidual', 'FLOPs: executed ÷ useful', { quantity: 'executed ÷ useful', unit: RATIO, note }, lines);
}
