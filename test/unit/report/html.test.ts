import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../../engine/report/charts.js';
import { renderHtml } from '../../../engine/report/node-html.js';
import { BLOCKDIAG, ERROR_MESSAGE, PROFILE_NAME, fixture } from './fixture.js';

const html = renderHtml(fixture);

function inlineScripts(page: string): { attrs: string; body: string }[] {
  return [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1] ?? '', body: m[2] ?? '' }));
}

describe('renderHtml', () => {
  it('loads nothing from outside the file', () => {
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link[^>]*\shref\s*=/i);
    expect(html).not.toMatch(/<(img|iframe|embed|object|source)\b[^>]*\s(src|data)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/@import/i);
  });

  it('has a strict CSP that lets only its own inline scripts run', () => {
    const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)?.[1];
    expect(csp).toBeDefined();
    const directives = Object.fromEntries(
      csp!
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['style-src']).toEqual(["'unsafe-inline'"]);
    const executable = inlineScripts(html).filter((s) => !/type="application\/json"/.test(s.attrs));
    expect(executable).toHaveLength(2);
    const hashes = executable.map((s) => `'sha256-${createHash('sha256').update(s.body, 'utf8').digest('base64')}'`);
    expect(directives['script-src']).toEqual(hashes);
    expect(csp).not.toMatch(/https?:|\*/);
  });

  it('inlines ECharts and the chart options as JSON', () => {
    expect(html).toContain('echarts');
    expect(inlineScripts(html).some((s) => s.body.includes('registerTheme') && s.body.length > 500_000)).toBe(true);
    const json = inlineScripts(html).find((s) => s.attrs.includes('id="fusebench-charts"'));
    expect(json).toBeDefined();
    const sections = JSON.parse(json!.body) as {
      title: string;
      views: { axis: string; charts: { id: string; option: unknown; logXAxis?: unknown }[] }[];
    }[];
    expect(sections.map((s) => s.title)).toEqual(['bottleneck · inference · wasm', 'gmp · inference · wasm']);
    expect(sections[0]!.views.map((v) => v.axis)).toEqual(['groups', 'batch']);
    // A static report holds nothing: every slice of the other swept keys is drawn; a chart with no data is left out.
    const view = { family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups', hold: {} } as const;
    const expected = buildCharts(fixture, view, { logX: false, logY: false }).filter((c) => !c.empty);
    expect(sections[0]!.views[0]!.charts.map((c) => c.option)).toEqual(expected.map((c) => c.option));
    // The log axes are the default (the boxes start checked): one wide band must not flatten every point.
    expect(html).toMatch(/id="log-x" checked/);
    expect(html).toMatch(/id="log-y" checked/);
    expect(sections[0]!.views[0]!.charts[0]!.logXAxis).toEqual({
      type: 'log',
      logBase: 2,
      min: 1,
      max: 4,
      name: 'groups',
      nameLocation: 'middle',
      nameGap: 26,
    });
    // Tooltips hold `<br/>`: escaped inside the JSON block so it cannot close the script element.
    expect(json!.body).not.toContain('<');
  });

  it('escapes user-provided strings', () => {
    expect(html).not.toContain(PROFILE_NAME);
    expect(html).toContain('<title>Fusebench report: Bottleneck &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; gmp</title>');
    expect(html).toContain('the &quot;quick&quot; profile &lt;b&gt;for tests&lt;/b&gt;.');
    expect(html).toContain('could not allocate memory, &quot;grow&quot; failed');
    expect(ERROR_MESSAGE).toContain('"grow"');
  });

  it('shows summary, flagged rows, failures and environment, in light and dark', () => {
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).toMatch(/<tr class="flagged"><td><span class="flag"[^>]*>⚠<\/span> parallel\.blockDiagonalConv<\/td>/);
    expect(html).toMatch(/fusing never pays at groups ≥ 2 at batch=2 .*; other slices: from groups=4 \(1 of 1\)/);
    expect(html).toContain('<h2>Not equivalent</h2>');
    expect(html).toContain(`<td>${BLOCKDIAG}</td>`);
    expect(html).toContain('<td>AMD EPYC 7B13 (2 cores)</td>');
    // Seven charts per family × mode × backend (latency, speedup, memory, params, FLOP/s and the two residuals).
    expect(html.match(/class="chart" id="chart-/g)).toHaveLength(14);
  });
});
