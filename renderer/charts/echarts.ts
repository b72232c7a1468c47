// Only what the Fusebench charts use: line and scatter series, grid, tooltip, legend, title, the crossover's mark line, on canvas
// (canvas so getDataURL gives a PNG).
import { init, use, type EChartsCoreOption, type EChartsType } from 'echarts/core';
import { LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

/**
 * The ECharts theme for a colour scheme. ECharts 6 registers 'default' and 'dark' only: setTheme('light')
 * finds no theme and silently keeps the dark one, so light maps to 'default'.
 */
export function echartsTheme(scheme: 'light' | 'dark'): string {
  return scheme === 'dark' ? 'dark' : 'default';
}

export { init };
export type { EChartsCoreOption, EChartsType };
