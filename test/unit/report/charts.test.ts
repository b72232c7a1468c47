import { describe, expect, it } from 'vitest';
import { FLAG_COLOR, VERDICT_COLORS, buildCharts, defaultViews, allViews, exportOption } from '../../../engine/report/charts.js';
import type { ChartSpec } from '../../../engine/report/charts.js';
import { quantile } from '../../../engine/stats/sample-stats.js';
import { verdictOf } from '../../../engine/stats/paired.js';
import type { PointRecord, SweepResults } from '../../../engine/files/schemas.js';
import { BLOCKDIAG, BOTTLENECK_MEDIANS, IM2COL, SERIAL, fixture, samplesAround } from './fixture.js';

const view = { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups' } as const;
const charts = buildCharts(fixture, view);
const chart = (id: ChartSpec['id'], specs: ChartSpec[] = charts): ChartSpec => specs.find((c) => c.id === id)!;
const series = (spec: ChartSpec, name: string) => spec.series.find((s) => s.name === name);
type EchartsSeries = {
  name: string;
  type: string;
  stack?: string;
  data: { value: number[]; tooltip: { formatter: string }; itemStyle?: { color: string } }[];
};
const optionSeries = (spec: ChartSpec) => spec.option.series as EchartsSeries[];

describe('defaultViews', () => {
  it('gives one view per family × mode × backend on its preferred swept axis', () => {
    // The other swept keys are held at their largest values: the slice the summary's headline answers.
    expect(defaultViews(fixture)).toEqual([
      { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups', hold: { batch: 2 } },
      { family: 'gmp', mode: 'inference', backend: 'wasm', axis: 'channels', hold: {} },
    ]);
    expect(allViews(fixture).map((v) => `${v.family}:${v.axis}`)).toEqual(['bottleneck:groups', 'bottleneck:batch', 'gmp:channels']);
  });
});

describe('buildCharts', () => {
  it('builds the seven charts, as plain JSON, with legends that never page', () => {
    expect(charts.map((c) => c.id)).toEqual(['latency', 'speedup', 'memory', 'params', 'flops', 'memoryResidual', 'flopsResidual']);
    for (const c of charts) {
      expect(JSON.parse(JSON.stringify(c))).toEqual(c);
      expect((c.option.legend as { type: string }).type, c.id).toBe('plain');
    }
  });

  it('holds the other swept keys: one line per implementation, each in its colour in every chart', () => {
    const held = buildCharts(fixture, { ...view, hold: { batch: 1 } });
    expect(chart('latency', held).series.map((s) => s.name)).toEqual([SERIAL, IM2COL, BLOCKDIAG]);
    expect(chart('latency', held).series.every((s) => s.points.length > 0)).toBe(true);
    expect((chart('latency', held).option.title as { subtext: string }).subtext).toContain('batch=1');
    const colour = (spec: ChartSpec, name: string) =>
      (optionSeries(spec).find((s) => s.name === name && !s.stack) as unknown as { itemStyle: { color: string } }).itemStyle.color;
    expect(colour(chart('speedup', held), IM2COL)).toBe(colour(chart('latency', held), IM2COL));
    expect(colour(chart('memory', held), `${IM2COL} measured`)).toBe(colour(chart('latency', held), IM2COL));
    expect(colour(chart('latency', held), IM2COL)).not.toBe(colour(chart('latency', held), BLOCKDIAG));
  });

  it('keeps titles short enough for the narrowest chart (about 420 px at 14 px): never clipped', () => {
    for (const c of charts) expect(c.title.length, c.title).toBeLessThanOrEqual(36);
  });

  it('draws axes in SI units, the data divided accordingly', () => {
    const yName = (spec: ChartSpec) => (spec.option.yAxis as { name: string }).name;
    expect(yName(chart('latency'))).toBe('median latency (ms)');
    expect(chart('memory').unit.label).toMatch(/^(KiB|MiB)$/);
    expect(yName(chart('memory'))).toBe(`peak memory (${chart('memory').unit.label})`);
    expect(yName(chart('flops'))).toMatch(/^achieved \((M|G)FLOP\/s\)$/);
    const measured = series(chart('memory'), `${IM2COL} · batch=1 measured`)!.points[0]!.y;
    const drawn = optionSeries(chart('memory')).find((s) => s.name === `${IM2COL} · batch=1 measured`)!.data[0]!.value[1];
    expect(drawn).toBeCloseTo(measured / chart('memory').unit.divisor, 9);
  });

  it('latency: medians of ok points only, with the q1..q3 band from the samples', () => {
    const latency = chart('latency');
    const serial1 = series(latency, `${SERIAL} · batch=1`)!;
    expect(serial1.points).toEqual([
      { x: 1, y: 2 },
      { x: 2, y: 4 },
      { x: 4, y: 8 },
    ]);
    const sorted = samplesAround(8).sort((a, b) => a - b);
    expect(serial1.band?.[2]).toEqual({ x: 4, low: quantile(sorted, 0.25), high: quantile(sorted, 0.75) });
    // The invalid (im2col g4b2) and error (blockDiag g4b1) points have no latency.
    expect(series(latency, `${IM2COL} · batch=2`)!.points.map((p) => p.x)).toEqual([1, 2]);
    expect(series(latency, `${BLOCKDIAG} · batch=1`)!.points.map((p) => p.x)).toEqual([1, 2]);
    // The non-equivalent point still shows its latency, flagged.
    const flagged = series(latency, `${BLOCKDIAG} · batch=2`)!.points.find((p) => p.x === 2)!;
    expect(flagged.flagged).toMatch(/^not equivalent: relErr 0\.0032/);
  });

  it('latency tooltips carry the full statistics', () => {
    const data = optionSeries(chart('latency')).find((s) => s.name === `${SERIAL} · batch=1` && !s.stack)!;
    const tip = data.data[0]!.tooltip.formatter;
    for (const word of ['median 2 ms', 'IQR', 'relIQR', 'min 1.94 ms', 'mean', 'n 7', 'first call 18 ms', 'relErr 0'])
      expect(tip).toContain(word);
  });

  it('speedup: the paired medians with their 95% band, non-equivalent point excluded and shown as a red cross', () => {
    const speedup = chart('speedup');
    expect(series(speedup, `${SERIAL} · batch=1`)).toBeUndefined();
    const recorded = fixture.points.filter((p) => p.implementation === IM2COL && p.config.batch === 1);
    const im2col = series(speedup, `${IM2COL} · batch=1`)!;
    expect(im2col.points.map((p) => [p.x, p.y])).toEqual(recorded.map((p) => [p.config.groups, p.speedup]));
    expect(im2col.band).toEqual(recorded.map((p) => ({ x: p.config.groups, low: p.speedupLow, high: p.speedupHigh })));
    expect(im2col.points[2]!.y).toBeCloseTo(8 / 3.5, 1);
    const blockDiag2 = series(speedup, `${BLOCKDIAG} · batch=2`)!;
    expect(blockDiag2.points.map((p) => p.x)).toEqual([1, 4]);
    expect(blockDiag2.points.every((p) => p.flagged === undefined)).toBe(true);
    const crosses = series(speedup, 'not equivalent')!;
    expect(crosses.points).toHaveLength(1);
    expect(crosses.points[0]).toMatchObject({ x: 2, y: BOTTLENECK_MEDIANS[SERIAL]!.g2b2! / 5.0 });
    expect(crosses.points[0]!.flagged).toContain('not equivalent: relErr');
    const echartsCross = optionSeries(speedup).find((s) => s.name === 'not equivalent')!;
    expect(echartsCross.type).toBe('scatter');
    expect(echartsCross.data[0]!.itemStyle?.color).toBe(FLAG_COLOR);
    expect(echartsCross.data[0]!.tooltip.formatter).toContain('not equivalent: relErr 0.0032');
    expect(series(speedup, 'serial = 1')!.points).toEqual([
      { x: 1, y: 1 },
      { x: 4, y: 1 },
    ]);
    // Every counted speedup carries its verdict, drawn as the marker's colour and shape.
    for (const p of im2col.points) expect(p.verdict).toBe(recorded.find((r) => r.config.groups === p.x)!.verdict);
    const marker = optionSeries(speedup).find((s) => s.name === `${IM2COL} · batch=1` && !s.stack)!.data[2]!;
    expect(marker.itemStyle?.color).toBe(VERDICT_COLORS[im2col.points[2]!.verdict!]);
  });

  it('residuals: memory measured ÷ predicted and FLOPs executed ÷ useful, beyond ±10% marked with why', () => {
    const memory = chart('memoryResidual');
    const ratios = memory.series.filter((s) => s.name.startsWith('parallel.') || s.name.startsWith('serial.')).flatMap((s) => s.points);
    expect(ratios.length).toBeGreaterThan(0);
    // The fixture measures 1.3× its prediction everywhere: every point is beyond.
    for (const p of ratios) {
      expect(p.y).toBeCloseTo(1.3, 2);
      expect(p.beyond).toMatch(/beyond ±10%/);
    }
    expect(series(memory, '+10%')!.points.every((p) => p.y === 1.1)).toBe(true);
    const flops = chart('flopsResidual');
    expect(series(flops, `${IM2COL} · batch=1`)!.points.every((p) => p.y === 1 && !p.beyond)).toBe(true);
    const blockDiag = series(flops, `${BLOCKDIAG} · batch=1`)!.points;
    expect(blockDiag.every((p) => p.y === 2 && /does not need/.test(p.beyond ?? ''))).toBe(true);
    expect((flops.option.title as { subtext: string }).subtext).toMatch(/execute over 10% more/);
  });

  it('names every line at its end for exported images, with room for the longest label', () => {
    const spec = chart('latency');
    const labelled = exportOption(spec).series as { name: string; stack?: string; endLabel?: { show: boolean; formatter?: string } }[];
    const named = labelled.filter((x) => !x.stack && x.endLabel?.show).flatMap((x) => x.endLabel!.formatter!.split(' / '));
    expect(named.sort()).toEqual(
      spec.series
        .filter((x) => x.points.length > 0)
        .map((x) => x.name)
        .sort(),
    );
    expect((exportOption(spec).grid as { right: number }).right).toBeGreaterThan(`${IM2COL} · batch=2`.length * 5);
  });

  it('never prints two end labels over each other: lines that end together are named once, together', () => {
    const line = (name: string, y: number) => ({ type: 'line', name, id: name, data: [{ value: [1, y * 2] }, { value: [8, y] }] });
    const option = { yAxis: { type: 'log' }, series: [line('a', 10), line('b', 10.2), line('c', 1), line('d', 100)] };
    const out = exportOption({ option }).series as { name: string; endLabel: { show: boolean; formatter?: string } }[];
    expect(out.map((s) => (s.endLabel.show ? s.endLabel.formatter : null))).toEqual(['a / b', null, 'c', 'd']);
    // The shown labels' ends, on the axis' scale, are apart by more than a label's height (6% of the span).
    const shown = out
      .filter((s) => s.endLabel.show)
      .map((s) => Math.log10(option.series.find((x) => x.name === s.name)!.data[1]!.value[1]!));
    const span = Math.max(...shown) - Math.min(...shown);
    const sorted = [...shown].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThan(0.06 * span);
  });

  it('memory, params and FLOP/s plot the recorded figures', () => {
    const im2col = fixture.points.find((p) => p.implementation === IM2COL && p.config.groups === 2 && p.config.batch === 1)!;
    const at2 = (spec: ChartSpec, name: string) => series(spec, name)!.points.find((p) => p.x === 2)!.y;
    expect(at2(chart('memory'), `${IM2COL} · batch=1 measured`)).toBe(im2col.memory!.peakBytes);
    expect(at2(chart('memory'), `${IM2COL} · batch=1 predicted`)).toBe(im2col.memory!.predictedPeakBytes);
    expect(at2(chart('params'), `${BLOCKDIAG} · batch=1 stored`)).toBe(2 * 2 * 11_264);
    expect(at2(chart('params'), `${BLOCKDIAG} · batch=1 counted`)).toBe(2 * 11_264);
    expect(at2(chart('params'), 'formula · batch=1')).toBe(2 * 11_264);
    expect(at2(chart('flops'), `${IM2COL} · batch=1`)).toBe(im2col.flops!.achievedPerSecond);
    // The flagged point is flagged in every chart it appears in.
    for (const id of ['latency', 'memory', 'params', 'flops'] as const) {
      const flagged = chart(id)
        .series.flatMap((s) => s.points)
        .filter((p) => p.flagged);
      expect(flagged.length, id).toBeGreaterThan(0);
      expect((chart(id).option.title as { subtext: string }).subtext, id).toContain('red crosses: not equivalent');
    }
    const gmp = buildCharts(fixture, { family: 'gmp', mode: 'inference', backend: 'wasm', axis: 'channels' });
    expect((chart('latency', gmp).option.title as { subtext: string }).subtext).not.toContain('red crosses');
  });

  it('draws log axes by default where every value is positive (log₂ x, log y), linear when asked', () => {
    const log = buildCharts(fixture, view);
    expect(chart('latency', log).option.xAxis).toMatchObject({ type: 'log', logBase: 2 });
    expect((chart('latency', log).option.yAxis as { type: string }).type).toBe('log');
    expect((chart('speedup', log).option.yAxis as { type: string }).type).toBe('log');
    const linear = buildCharts(fixture, view, { logX: false, logY: false });
    expect((chart('latency', linear).option.xAxis as { type: string }).type).toBe('value');
    expect((chart('speedup', linear).option.yAxis as { type: string }).type).toBe('value');
    // gmp has no parameters (0): a log y axis cannot show them, so that chart stays linear.
    const gmp = buildCharts(fixture, { family: 'gmp', mode: 'inference', backend: 'wasm', axis: 'channels' });
    expect((chart('params', gmp).option.yAxis as { type: string }).type).toBe('value');
    expect((chart('latency', gmp).option.yAxis as { type: string }).type).toBe('log');
  });
});

describe('charts of families without arithmetic or parameters', () => {
  it('say so instead of drawing a bare zero line', () => {
    // A family like replicate: every point does 0 FLOPs and has 0 parameters.
    const moved = structuredClone(fixture);
    for (const p of moved.points) {
      if (p.flops) p.flops = { useful: 0, executed: 0, achievedPerSecond: 0 };
      if (p.params) p.params = { counted: 0, formula: 0, stored: 0 };
    }
    const view = defaultViews(moved).find((v) => v.family === 'bottleneck')!;
    const specs = buildCharts(moved, view);
    expect(JSON.stringify(specs.find((s) => s.id === 'flops')!.option)).toContain('no arithmetic in this family');
    expect(JSON.stringify(specs.find((s) => s.id === 'params')!.option)).toContain('no trainable parameters');
    const real = buildCharts(fixture, view);
    expect(JSON.stringify(real.find((s) => s.id === 'flops')!.option)).not.toContain('no arithmetic');
    expect(JSON.stringify(real.find((s) => s.id === 'params')!.option)).not.toContain('no trainable parameters');
  });
});

describe('the speedup chart marks the crossover', () => {
  /** replicate over groups × batch, speedups recorded on the points: fusing pays from g = 4 at batch 2 only. */
  function crossing(): SweepResults {
    const points: PointRecord[] = [];
    for (const batch of [1, 2])
      for (const groups of [1, 2, 4, 8]) {
        const config = { groups, batch, channels: 8 };
        const base = { family: 'replicate', mode: 'inference', backend: 'wasm', config, status: 'ok', finishedAt: 'now' } as const;
        const s = batch === 2 && groups >= 4 ? 2 : 0.5;
        points.push({ ...base, key: `s${groups}-${batch}`, implementation: 'serial.concatLoop', role: 'serial' });
        if (groups > 1)
          points.push({
            ...base,
            key: `p${groups}-${batch}`,
            implementation: 'parallel.tile',
            role: 'parallel',
            baseline: 'serial.concatLoop',
            equivalence: { relErr: 1e-7, maxAbs: 1e-7, pass: true, tolerance: 1e-5, seed: 1 },
            speedup: s,
            speedupLow: s * 0.95,
            speedupHigh: s * 1.05,
            verdict: verdictOf(s * 0.95, s * 1.05),
          });
      }
    return { ...fixture, points };
  }

  it('draws a line at the groups value fusing pays from in the slice on screen, and spans the view’s x range', () => {
    const r = crossing();
    const view = { family: 'replicate', mode: 'inference', backend: 'wasm', axis: 'groups' } as const;
    const specs = buildCharts(r, { ...view, hold: { batch: 2 } });
    const speedup = chart('speedup', specs);
    expect(speedup.crossover).toBe(4);
    const marked = optionSeries(speedup).find((s) => (s as { markLine?: unknown }).markLine) as unknown as {
      markLine: { data: { xAxis: number }[]; label: { formatter: string } };
    };
    expect(marked.markLine.data).toEqual([{ xAxis: 4 }]);
    expect(marked.markLine.label.formatter).toBe('pays from g ≥ 4');
    // Another slice, another answer: batch 1 never pays, so nothing is marked; nor where no one slice is held.
    expect(chart('speedup', buildCharts(r, { ...view, hold: { batch: 1 } })).crossover).toBeUndefined();
    expect(chart('speedup', buildCharts(r, { ...view, hold: {} })).crossover).toBeUndefined();
    // Side by side, latency and speedup span the same x range (the speedup has no g = 1 point of its own).
    const xs = (id: ChartSpec['id']) => chart(id, specs).option.xAxis as { min: number; max: number };
    expect(xs('speedup')).toMatchObject({ min: 1, max: 8 });
    expect(xs('latency')).toMatchObject({ min: 1, max: 8 });
  });
});
