// Only what the five Fusebench charts use: line and scatter series, grid, tooltip, legend, title, on canvas
// (canvas so getDataURL gives a PNG).
import { init, use, type EChartsCoreOption, type EChartsType } from 'echarts/core';
import { LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

export { init };
export type { EChartsCoreOption, EChartsType };
