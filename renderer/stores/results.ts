import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { PointRecord, SweepResults } from '../../main/api';
import { allViews, buildCharts, defaultViews, type ChartSpec } from '../../engine/report/charts';
import { defaultHold, dimensions, holdChoices, sweptAxes, type View } from '../../engine/report/series';
import { speedupIndex } from '../../engine/report/speedup';
import { summarizeResults } from '../../engine/report/summary';
import { verdictCards } from '../../engine/report/verdict';

/** Where the shown results come from: a run of this session (updated live) or a file. */
/** Where the results on screen come from; a run's `live` while it measures (its cards say what is still to come). */
export type ResultsSource =
  { kind: 'run'; runId: string; name: string; path?: string; live?: boolean } | { kind: 'file'; name: string; path?: string };

function sameView(a: View | null, b: View | null): boolean {
  return !!a && !!b && a.family === b.family && a.mode === b.mode && a.backend === b.backend && a.axis === b.axis;
}

/**
 * The results on screen and how they are viewed: the chosen family × mode × backend and axis, log
 * scales, hidden series, the selected point. Charts and summaries come from engine/report's builders.
 */
export const useResultsStore = defineStore('results', () => {
  const results = shallowRef<SweepResults | null>(null);
  const source = shallowRef<ResultsSource | null>(null);
  const view = ref<View | null>(null);
  /** Whether the user chose the view; otherwise it follows the default as live points arrive. */
  const viewPinned = ref(false);
  const logX = ref(true);
  const logY = ref(true);
  const hiddenSeries = ref<string[]>([]);
  const selectedKey = ref<string | null>(null);

  const views = computed<View[]>(() => (results.value ? allViews(results.value) : []));
  const choices = computed(() => {
    const r = results.value;
    if (!r) return { families: [], modes: [], backends: [], axes: [] as string[] };
    const { families, modes, backends } = dimensions(r);
    const family = view.value?.family;
    const axes = [...new Set(views.value.filter((v) => v.family === family).map((v) => v.axis))];
    return { families, modes, backends, axes: axes.length > 0 ? axes : family ? sweptAxes(r, family) : [] };
  });
  const charts = computed<ChartSpec[]>(() =>
    results.value && view.value ? buildCharts(results.value, view.value, { logX: logX.value, logY: logY.value }) : [],
  );
  /** Series names the pickers offer: the latency chart's lines, one per implementation and other-key values. */
  const seriesNames = computed(() => charts.value.find((c) => c.id === 'latency')?.series.map((s) => s.name) ?? []);
  const summary = computed(() => (results.value ? summarizeResults(results.value) : []));
  /** The answer per family × mode × backend, from the summary: what Results shows first. */
  const cards = computed(() =>
    results.value ? verdictCards(results.value, summary.value, { live: source.value?.kind === 'run' && source.value.live === true }) : [],
  );
  /** The other swept keys of the view and their values, for the "hold other axes at" picker. */
  const holds = computed(() => (results.value && view.value ? holdChoices(results.value, view.value) : []));
  const speedupOf = computed(() => speedupIndex(results.value ?? emptyResults()));
  const selectedPoint = computed<PointRecord | undefined>(() => results.value?.points.find((p) => p.key === selectedKey.value));

  function fitView(): void {
    const r = results.value;
    if (!r) {
      view.value = null;
      return;
    }
    const all = views.value;
    if (viewPinned.value && all.some((v) => sameView(v, view.value))) return;
    const current = view.value;
    // Keep the family, mode and backend where they still exist; the axis follows what is swept.
    const kept = current
      ? all.find((v) => v.family === current.family && v.mode === current.mode && v.backend === current.backend)
      : undefined;
    const next = (viewPinned.value && kept) || defaultViews(r)[0] || null;
    // An unpinned view also follows the headline slice as new values of the other keys arrive live.
    if (!sameView(next, view.value) || (!viewPinned.value && JSON.stringify(next?.hold) !== JSON.stringify(view.value?.hold)))
      view.value = next;
  }

  /** Shows results; a new source resets the view, the same run updating keeps it. */
  function show(next: SweepResults, from: ResultsSource): void {
    const continuing = from.kind === 'run' && source.value?.kind === 'run' && source.value.runId === from.runId;
    results.value = next;
    source.value = from;
    if (!continuing) {
      viewPinned.value = false;
      hiddenSeries.value = [];
      selectedKey.value = null;
      view.value = null;
    }
    fitView();
  }

  /** Live update from a run; ignored when the user has since opened something else. */
  function updateRun(runId: string, next: SweepResults, path: string | undefined, live: boolean): void {
    if (source.value?.kind !== 'run' || source.value.runId !== runId) return;
    show(next, { ...source.value, ...(path ? { path } : {}), live });
  }

  /**
   * Picks a view; a partial choice (e.g. only the family) completes itself from the available views, and
   * the other swept keys are held at their headline values unless the choice holds them itself.
   */
  function chooseView(choice: Partial<View>): void {
    const base = { ...view.value, ...choice };
    const all = views.value;
    const match =
      all.find((v) => v.family === base.family && v.mode === base.mode && v.backend === base.backend && v.axis === base.axis) ??
      all.find((v) => v.family === base.family && v.mode === base.mode && v.backend === base.backend) ??
      all.find((v) => v.family === base.family);
    if (!match) return;
    view.value = choice.hold ? { ...match, hold: choice.hold } : match;
    viewPinned.value = true;
    hiddenSeries.value = [];
  }

  /** Holds another swept key at a value; `undefined` draws one line per value of it instead. */
  function holdAt(key: string, value: unknown): void {
    const v = view.value;
    if (!v || !results.value) return;
    const hold = { ...(v.hold ?? defaultHold(results.value, v)) };
    if (value === undefined) delete hold[key];
    else hold[key] = value;
    view.value = { ...v, hold };
    viewPinned.value = true;
  }

  function toggleSeries(name: string, visible?: boolean): void {
    const hidden = hiddenSeries.value.includes(name);
    const show = visible ?? hidden;
    hiddenSeries.value = show ? hiddenSeries.value.filter((n) => n !== name) : hidden ? hiddenSeries.value : [...hiddenSeries.value, name];
  }

  function select(key: string | null): void {
    selectedKey.value = key;
  }

  function clear(): void {
    results.value = null;
    source.value = null;
    view.value = null;
    selectedKey.value = null;
  }

  watch(views, fitView);

  return {
    results,
    source,
    view,
    viewPinned,
    logX,
    logY,
    hiddenSeries,
    selectedKey,
    views,
    choices,
    charts,
    seriesNames,
    summary,
    cards,
    holds,
    speedupOf,
    selectedPoint,
    show,
    updateRun,
    chooseView,
    holdAt,
    toggleSeries,
    select,
    clear,
  };
});

function emptyResults(): SweepResults {
  return { points: [] } as unknown as SweepResults;
}
