/// <reference types="vite/client" />
import type { WorkbenchBridge } from '../main/api';
import type { ChartSeries } from '../engine/report/charts';
import type { MenuCommandSource } from './api';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser, where the web client is used. */
    fusebench?: WorkbenchBridge & Partial<MenuCommandSource>;
    /** The data each mounted chart plots, by chart element id: for tests and debugging. */
    __fusebenchCharts?: Record<
      string,
      {
        id: string;
        title: string;
        series: ChartSeries[];
        renderMode: 'replace' | 'merge';
        titleColor: string | undefined;
        /** Every text the chart draws, with its box (tests check that none overprints another). */
        textBoxes: () => import('./charts/text-boxes').TextBox[];
        /** The same for the chart as exported (PNG): drawn off screen at the export size. */
        exportTextBoxes: () => import('./charts/text-boxes').TextBox[];
      }
    >;
  }
}
