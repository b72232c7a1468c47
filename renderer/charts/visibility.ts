import type { ChartSpec } from '../../engine/report/charts';

/** Suffixes the builders append to an implementation's label in the memory and parameter charts. */
const DERIVED = ['measured', 'predicted', 'counted', 'stored'];

/** Whether a chart series belongs to a hidden implementation line (e.g. `parallel.tile measured` to `parallel.tile`). */
export function isHidden(seriesName: string, hidden: readonly string[]): boolean {
  return hidden.some((h) => seriesName === h || (seriesName.startsWith(`${h} `) && DERIVED.includes(seriesName.slice(h.length + 1))));
}

/** The spec's option with hidden series switched off in the legend, and a transparent background. */
export function visibleOption(spec: ChartSpec, hidden: readonly string[]): Record<string, unknown> {
  const names = new Set<string>();
  for (const s of (spec.option.series as { name?: string }[] | undefined) ?? []) if (s.name) names.add(s.name);
  const selected = Object.fromEntries([...names].map((n) => [n, !isHidden(n, hidden)]));
  const legend = (spec.option.legend as Record<string, unknown> | undefined) ?? {};
  return { ...spec.option, backgroundColor: 'transparent', legend: { ...legend, selected } };
}

/** The data the chart shows, for the `data-series` attribute and tests. */
export function visibleSeries(spec: ChartSpec, hidden: readonly string[]): ChartSpec['series'] {
  return spec.series.filter((s) => !isHidden(s.name, hidden));
}
