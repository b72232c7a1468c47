/**
 * Report data shared by the CLI and the renderer: pure (no Node, no TensorFlow.js), so a browser bundle
 * can import it. The Node-only renderers (HTML with ECharts inlined, SVG) are in node-*.ts.
 */
export type ReportFormat = 'html' | 'csv' | 'md' | 'json' | 'svg';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'csv', 'md', 'json', 'svg'];

export { quantile, summarize } from '../stats/sample-stats.js';
export type { SampleSummary } from '../stats/sample-stats.js';
export {
  PREFERRED_AXES,
  axisScale,
  axisX,
  dimensions,
  equivalenceFlag,
  groupSeries,
  isTimed,
  sweptAxes,
  varyingKeys,
  viewPoints,
} from './series.js';
export type { AxisScale, BackendName, Mode, Series, View } from './series.js';
export { speedupIndex } from './speedup.js';
export type { SpeedupInfo } from './speedup.js';
export { CHART_IDS, FLAG_COLOR, allViews, buildCharts, defaultViews, pointTooltipLines } from './charts.js';
export type { ChartId, ChartOption, ChartOptions, ChartPoint, ChartSeries, ChartSpec } from './charts.js';
export { SUMMARY_METHOD, describeBest, describeCrossover, failedPoints, summarizeResults, summaryTable } from './summary.js';
export type { Crossover, GroupSummary, NonEquivalentPoint, RankedImplementation } from './summary.js';
export { CSV_METRIC_COLUMNS, csvField, renderCsv } from './csv.js';
export { markdownText, renderMarkdown } from './markdown.js';
export { reportModel } from './report-model.js';
export type { ReportModel, TextTable } from './report-model.js';
export { escapeHtml, formatBytes, formatConfig, formatMs, formatNumber, formatSi, formatValue } from './format.js';
