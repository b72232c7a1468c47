import { speedupIndex } from '../../../engine/report/speedup.js';
import { REPORT_FORMATS } from '../../../engine/report/index.js';
import { summarizeResults, summaryRows } from '../../../engine/report/summary.js';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../../engine/report/charts.js';
import { renderReport } from '../../../engine/report/node-report.js';
import { renderChartSvg } from '../../../engine/report/node-svg.js';
import { resultsSchema } from '../../../engine/files/schemas.js';
import { IM2COL, SERIAL, fixture } from './fixture.js';

const view = { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups' } as const;

describe('renderChartSvg', () => {
  it('renders a standalone SVG naming the series', () => {
    const svg = renderChartSvg(buildCharts(fixture, view)[0]!);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`${SERIAL} · batch=1`);
    expect(svg).toContain(`${IM2COL} · batch=2`);
    expect(svg).toContain('Latency (median, IQR band)');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('names every line at its end, so an image needs no legend or hover', () => {
    const spec = buildCharts(fixture, { ...view, hold: { batch: 1 } })[0]!;
    const svg = renderChartSvg(spec);
    // Each implementation's name appears twice: in the legend and as the line's end label.
    for (const name of [SERIAL, IM2COL]) expect(svg.split(`>${name}<`).length - 1, name).toBeGreaterThanOrEqual(2);
  });

  it('draws the red crosses on the speedup chart', () => {
    const svg = renderChartSvg(buildCharts(fixture, view)[1]!);
    expect(svg).toContain('not equivalent');
    expect(svg.toLowerCase()).toMatch(/fill="(#d62728|rgb\(214,\s*39,\s*40\))"/);
  });
});

describe('renderReport', () => {
  it('svg: one file per chart of each default view', () => {
    const names = renderReport(fixture, 'svg').files.map((f) => f.name);
    expect(names).toHaveLength(14);
    expect(names).toContain('bottleneck-inference-wasm-latency.svg');
    expect(names).toContain('gmp-inference-wasm-flops.svg');
    expect(names).toContain('bottleneck-inference-wasm-memoryResidual.svg');
  });

  it('csv, md, html, json: one file each', () => {
    for (const [format, name] of [
      ['csv', 'report.csv'],
      ['md', 'report.md'],
      ['html', 'report.html'],
      ['json', 'report.json'],
    ] as const) {
      const { files } = renderReport(fixture, format);
      expect(files.map((f) => f.name)).toEqual([name]);
      expect(files[0]!.content.length).toBeGreaterThan(100);
    }
    const { summary, ...rest } = JSON.parse(renderReport(fixture, 'json').files[0]!.content) as { summary: unknown };
    expect(resultsSchema.parse(rest)).toEqual(fixture);
    expect(summary).toEqual(JSON.parse(JSON.stringify(summaryRows(fixture))));
  });

  it('keeps file names to one safe path segment', () => {
    const odd = structuredClone(fixture);
    for (const p of odd.points) if (p.family === 'gmp') p.family = '../evil/gmp';
    const names = renderReport(odd, 'svg').files.map((f) => f.name);
    expect(names).toContain('__evil_gmp-inference-wasm-latency.svg');
    expect(names.every((n) => !n.includes('/'))).toBe(true);
  });
});

describe('one analysis per results (issue #18)', () => {
  it('every report format shares one speedup index and one set of summaries per results', () => {
    const r = structuredClone(fixture);
    const index = speedupIndex(r);
    const summaries = summarizeResults(r);
    for (const format of REPORT_FORMATS) renderReport(r, format);
    expect(speedupIndex(r)).toBe(index);
    expect(summarizeResults(r)).toBe(summaries);
    // Other points, another analysis.
    const other = { ...r, points: r.points.slice(1) };
    expect(speedupIndex(other)).not.toBe(index);
  });
});
