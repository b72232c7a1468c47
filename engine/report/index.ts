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
  defaultHold,
  dimensions,
  equivalenceFlag,
  groupSeries,
  heldPoints,
  holdChoices,
  implementationOrder,
  isTimed,
  sweptAxes,
  varyingKeys,
  viewPoints,
} from './series.js';
export type { AxisScale, BackendName, Mode, Series, View } from './series.js';
export { speedupIndex } from './speedup.js';
export type { SpeedupInfo } from './speedup.js';
export { CHART_IDS, FLAG_COLOR, VERDICT_COLORS, allViews, buildCharts, defaultViews, exportOption, pointTooltipLines } from './charts.js';
export type { Band, ChartId, ChartOption, ChartOptions, ChartPoint, ChartSeries, ChartSpec } from './charts.js';
export { verdictCards, verdictText } from './verdict.js';
export type { VerdictCard, VerdictKind, VerdictQuality } from './verdict.js';
export { compareResults, describeCompared, speedupRatio } from './compare.js';
export type { ComparedPoint, Comparison, CompareOptions } from './compare.js';
export { sampleDistribution } from './samples.js';
export type { SampleBin, SampleDistribution } from './samples.js';
export { RESIDUAL_TOLERANCE } from './residual-charts.js';
export { SUMMARY_METHOD, describeBest, describeCrossover, failedPoints, summarizeResults, summaryTable } from './summary.js';
export type { Crossover, GroupSummary, NonEquivalentPoint, RankedImplementation } from './summary.js';
export { CSV_METRIC_COLUMNS, csvField, renderCsv } from './csv.js';
export { markdownText, renderMarkdown } from './markdown.js';
export { reportModel } from './report-model.js';
export type { ReportModel, TextTable } from './report-model.js';
export {
  byteUnit,
  escapeHtml,
  formatBytes,
  formatConfig,
  formatMs,
  formatNumber,
  formatSi,
  formatValue,
  siUnit,
  timeUnit,
} from './format.js';
export type { Unit } from './format.js';
