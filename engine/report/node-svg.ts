// The one place the engine renders charts itself (CLI `report --format svg`); eslint.config.js allows
// echarts in engine/report/node-*.ts only.
import * as echarts from 'echarts';
import { EXPORT_SIZE, exportOption, type ChartSpec } from './charts.js';

export interface SvgOptions {
  width?: number;
  height?: number;
  /** Built-in ECharts theme name, e.g. 'dark'. */
  theme?: string;
  /** Painted behind the chart so the file reads the same in a dark viewer; 'transparent' to omit. */
  background?: string;
}

/**
 * Renders a chart to a standalone SVG string with ECharts' server-side renderer (no DOM needed).
 *
 * @example renderChartSvg(buildCharts(results, defaultViews(results)[0])[0]).startsWith('<svg') // true
 */
export function renderChartSvg(spec: ChartSpec, options: SvgOptions = {}): string {
  const { width = EXPORT_SIZE.width, height = EXPORT_SIZE.height, theme, background = '#ffffff' } = options;
  const chart = echarts.init(null, theme ?? null, { renderer: 'svg', ssr: true, width, height });
  try {
    // Animation off: SSR renders one frame, and an animated first frame would be empty. Lines are named
    // at their ends: an image has no hover, and no series may be left to guess.
    chart.setOption({ ...exportOption(spec), animation: false, backgroundColor: background } as echarts.EChartsCoreOption);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
