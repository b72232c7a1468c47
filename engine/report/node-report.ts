import type { SweepResults } from '../files/schemas.js';
import { buildCharts, defaultViews } from './charts.js';
import { renderCsv } from './csv.js';
import type { ReportFormat } from './index.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './node-html.js';
import { renderChartSvg } from './node-svg.js';
import { summaryRows } from './summary.js';

export type { ReportFormat } from './index.js';

/** Keeps a file name to one safe path segment whatever a family or backend is called. */
function safeName(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}

/**
 * Renders results in one format. `svg` gives one file per chart of each default view, named
 * `<family>-<mode>-<backend>-<chartId>.svg`; every other format gives one file, `report.<ext>`.
 *
 * @example renderReport(results, 'md').files[0].name // 'report.md'
 */
export function renderReport(results: SweepResults, format: ReportFormat): { files: { name: string; content: string }[] } {
  switch (format) {
    case 'html':
      return { files: [{ name: 'report.html', content: renderHtml(results) }] };
    case 'csv':
      return { files: [{ name: 'report.csv', content: renderCsv(results) }] };
    case 'md':
      return { files: [{ name: 'report.md', content: renderMarkdown(results) }] };
    case 'json':
      return { files: [{ name: 'report.json', content: `${JSON.stringify({ summary: summaryRows(results), ...results }, null, 2)}\n` }] };
    case 'svg':
      return {
        files: defaultViews(results).flatMap((view) =>
          buildCharts(results, view).map((spec) => ({
            name: [view.family, view.mode, view.backend, spec.id].map(safeName).join('-') + '.svg',
            content: renderChartSvg(spec),
          })),
        ),
      };
  }
}
