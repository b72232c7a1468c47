import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SweepResults } from '../files/schemas.js';
import { allViews, buildCharts } from './charts.js';
import type { ChartId, ChartOption } from './charts.js';
import { escapeHtml } from './format.js';
import { reportModel } from './report-model.js';
import type { TextTable } from './report-model.js';
import type { View } from './series.js';

/** One chart as the page's script receives it: the linear option, and the log axes where they apply. */
interface PageChart {
  id: ChartId;
  title: string;
  option: ChartOption;
  logXAxis?: unknown;
  logYAxis?: unknown;
}

/** One family × mode × backend; `views` holds one entry per swept axis, the default first. */
interface PageSection {
  title: string;
  views: { axis: string; charts: PageChart[] }[];
}

let echartsSource: string | undefined;

/** The ECharts browser build from node_modules, read once and made safe to inline in a script element. */
function echartsLibrary(): string {
  if (echartsSource === undefined) {
    const path = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
    // The HTML parser turns CR LF into LF before the CSP hash is checked; `</script` would end the element.
    echartsSource = readFileSync(path, 'utf8')
      .replace(/\r\n?/g, '\n')
      .replace(/<\/script/gi, '<\\/script');
  }
  return echartsSource;
}

// Re-renders every chart on any change (axis, log toggles, colour scheme): a report has few charts, and
// disposing first keeps exactly one ECharts instance per element.
const BOOTSTRAP = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('fusebench-charts').textContent);
  var scheme = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  var logX = document.getElementById('log-x');
  var logY = document.getElementById('log-y');
  var live = [];
  function optionFor(c) {
    var o = Object.assign({}, c.option, { backgroundColor: 'transparent' });
    if (logX.checked && c.logXAxis) o.xAxis = c.logXAxis;
    if (logY.checked && c.logYAxis) o.yAxis = c.logYAxis;
    return o;
  }
  function render() {
    live.forEach(function (chart) { chart.dispose(); });
    live = [];
    data.forEach(function (section, s) {
      var select = document.getElementById('axis-' + s);
      var view = section.views[select ? Number(select.value) : 0];
      view.charts.forEach(function (c, j) {
        var el = document.getElementById('chart-' + s + '-' + j);
        if (!el) return;
        var chart = echarts.init(el, scheme && scheme.matches ? 'dark' : null, { renderer: 'svg' });
        chart.setOption(optionFor(c));
        live.push(chart);
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('select[data-axis], #log-x, #log-y'), function (el) {
    el.addEventListener('change', render);
  });
  if (scheme && scheme.addEventListener) scheme.addEventListener('change', render);
  window.addEventListener('resize', function () { live.forEach(function (chart) { chart.resize(); }); });
  render();
})();`;

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #ffffff; --muted: #5f6368; --line: #d0d4da; --head: #f3f4f6; --flag: #d62728; --flag-bg: #fdecea; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e6e6; --bg: #121317; --muted: #a0a4ab; --line: #3a3d44; --head: #1f2127; --flag: #ff6b6b; --flag-bg: #3a1d1f; }
}
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1400px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--line); } h3 { margin-top: 1.6rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; margin: .6rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--head); }
tr.flagged td { background: var(--flag-bg); }
tr.flagged td:first-child { border-left: 4px solid var(--flag); }
.flag { color: var(--flag); font-weight: 600; }
.scroll { overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 1rem; }
.chart { height: 440px; border: 1px solid var(--line); border-radius: 6px; }
.controls { display: flex; gap: 1.2rem; align-items: center; margin: .6rem 0; }
`;

function htmlTable(table: TextTable): string {
  const flagged = new Set(table.flaggedRows);
  const head = `<tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((row, i) => {
      const cells = row.map(
        (c, j) => `<td>${j === 0 && flagged.has(i) ? '<span class="flag" title="not equivalent">⚠</span> ' : ''}${escapeHtml(c)}</td>`,
      );
      return `<tr${flagged.has(i) ? ' class="flagged"' : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

function pageSections(results: SweepResults): PageSection[] {
  const sections = new Map<string, PageSection>();
  for (const view of allViews(results)) {
    const title = `${view.family} · ${view.mode} · ${view.backend}`;
    let section = sections.get(title);
    if (!section) sections.set(title, (section = { title, views: [] }));
    // Every series, nothing held: a static report shows each slice of the other swept keys (the plain legend wraps, never pages).
    section.views.push({ axis: view.axis, charts: pageCharts(results, { ...view, hold: {} }) });
  }
  return [...sections.values()];
}

function pageCharts(results: SweepResults, view: View): PageChart[] {
  // Drawn on log axes by default (the checkboxes start checked); the linear option is the base.
  const logs = buildCharts(results, view, { logX: true, logY: true });
  const specs = buildCharts(results, view, { logX: false, logY: false });
  // A chart with nothing recorded (FLOP/s of a family without arithmetic on a backend that counts none) is left out.
  return specs.flatMap((spec, i) => {
    if (spec.empty) return [];
    const log = logs[i]?.option;
    const chart: PageChart = { id: spec.id, title: spec.title, option: spec.option };
    if ((log?.xAxis as { type?: string } | undefined)?.type === 'log') chart.logXAxis = log?.xAxis;
    if ((log?.yAxis as { type?: string } | undefined)?.type === 'log') chart.logYAxis = log?.yAxis;
    return [chart];
  });
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no `</script>` can end it early. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function cspHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

function chartsSection(sections: readonly PageSection[]): string {
  const parts = sections.map((section, s) => {
    const select =
      section.views.length > 1
        ? `<label>x axis <select id="axis-${s}" data-axis>${section.views
            .map((v, i) => `<option value="${i}">${escapeHtml(v.axis)}</option>`)
            .join('')}</select></label>`
        : `<span class="muted">x axis: ${escapeHtml(section.views[0]?.axis ?? '')}</span>`;
    const charts = (section.views[0]?.charts ?? []).map(
      (c, j) => `<div class="chart" id="chart-${s}-${j}" aria-label="${escapeHtml(c.title)}"></div>`,
    );
    return `<section>\n<h3>${escapeHtml(section.title)}</h3>\n<div class="controls">${select}</div>\n<div class="charts">\n${charts.join('\n')}\n</div>\n</section>`;
  });
  return [
    '<h2>Charts</h2>',
    '<div class="controls"><label><input type="checkbox" id="log-x" checked> log x</label><label><input type="checkbox" id="log-y" checked> log y</label>',
    '<span class="muted">Red crosses: not equivalent to serial, never counted as a speedup. Hover a point for its statistics.</span></div>',
    '<noscript><p>The charts need JavaScript; the tables below hold every figure.</p></noscript>',
    ...parts,
  ].join('\n');
}

/**
 * The report as one self-contained HTML file: ECharts and the chart options inlined, no network access
 * (a Content-Security-Policy forbids it), light and dark colour schemes, every user-provided string escaped.
 *
 * @example writeFileSync('report.html', renderHtml(results))
 */
export function renderHtml(results: SweepResults): string {
  const m = reportModel(results);
  const sections = pageSections(results);
  const library = echartsLibrary();
  // Hashes rather than 'unsafe-inline': only these two scripts may run, even if a string escaped the escaping.
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(library)} ${cspHash(BOOTSTRAP)}`,
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const families = m.families.map((f) => {
    const swept = f.swept.length > 0 ? f.swept.join(', ') : 'nothing';
    const verdicts = f.verdicts.map((v) => `<li>${escapeHtml(v)}</li>`).join('\n');
    return `<h3>${escapeHtml(f.family)}</h3>\n<p>Swept: ${escapeHtml(swept)}.${f.fixed ? ` Fixed: ${escapeHtml(f.fixed)}.` : ''}</p>\n<ul>\n${verdicts}\n</ul>\n${htmlTable(f.table)}`;
  });
  const nonEquivalent =
    m.nonEquivalent.rows.length > 0
      ? `<p>These points' outputs differ from serial beyond tolerance; their timings are not counted as speedups.</p>\n${htmlTable(m.nonEquivalent)}`
      : '<p>None: every parallel point checked matched serial.</p>';
  const failed = m.failed.rows.length > 0 ? htmlTable(m.failed) : '<p>None.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Fusebench report: ${escapeHtml(m.profileName)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Fusebench report: ${escapeHtml(m.profileName)}</h1>
${m.description.trim() ? `<p>${escapeHtml(m.description)}</p>` : ''}
<p class="muted">${escapeHtml(m.provenance)}</p>
</header>
<main>
<h2>Summary</h2>
${htmlTable(m.summary)}
<p class="muted">${escapeHtml(m.method)}</p>
${chartsSection(sections)}
<h2>Points by family</h2>
${families.join('\n')}
<h2>Not equivalent</h2>
${nonEquivalent}
<h2>Invalid, error and cancelled points</h2>
${failed}
<h2>Environment</h2>
${htmlTable({ header: ['item', 'value'], rows: m.environment, flaggedRows: [] })}
</main>
<script type="application/json" id="fusebench-charts">${inlineJson(sections)}</script>
<script>${library}</script>
<script>${BOOTSTRAP}</script>
</body>
</html>
`;
}
