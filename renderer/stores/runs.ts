import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { BackendName, RunSummary, SweepResults } from '../../main/api';
import { compareResults, type Comparison } from '../../engine/report/compare';
import { comparableViews, compareSpeedupChart } from '../../engine/report/compare-chart';
import type { ChartSpec } from '../../engine/report/charts';
import { dimensions } from '../../engine/report/series';
import { messageOf, useApi } from '../api';
import { useResultsStore } from './results';
import { useSweepStore } from './sweep';
import { useUiStore } from './ui';

/** One side of a comparison: a run of the workspace, and optionally one backend of it. */
export interface CompareSide {
  id: string;
  backend?: BackendName;
}

/**
 * The workspace's runs (the host's sweep folders) with their status, and the comparison of two of them
 * (or of two backends of one) point by point. Opening, attaching, resuming and cancelling go through
 * the host; the comparison's figures come from engine/report/compare.ts.
 */
export const useRunsStore = defineStore('runs', () => {
  const api = useApi();
  const ui = useUiStore();
  const results = useResultsStore();
  const sweep = useSweepStore();

  const runs = shallowRef<RunSummary[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const a = ref<CompareSide | null>(null);
  const b = ref<CompareSide | null>(null);
  /** Results of the runs picked for comparison, by id, loaded on demand. */
  const loaded = shallowRef<Record<string, SweepResults>>({});

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      runs.value = await api.listRuns();
      error.value = null;
    } catch (e) {
      error.value = `Could not list the runs: ${messageOf(e)}`;
    } finally {
      loading.value = false;
    }
  }

  async function load(id: string): Promise<SweepResults | undefined> {
    if (loaded.value[id]) return loaded.value[id];
    try {
      const opened = await api.openRun(id);
      if (!opened.results) return undefined;
      loaded.value = { ...loaded.value, [id]: opened.results };
      return opened.results;
    } catch (e) {
      ui.notify('error', `Could not open run ${id}: ${messageOf(e)}`);
      return undefined;
    }
  }

  /** Shows a run in Results: a live one by reattaching (its points keep arriving), else its results. */
  async function open(run: RunSummary): Promise<void> {
    if (run.status === 'running' && run.runId) {
      if (await sweep.attach(run.runId)) ui.show('run');
      return;
    }
    const r = await load(run.id);
    if (!r) return;
    results.show(r, { kind: 'file', name: `run ${run.id}` });
    ui.show('results');
  }

  async function resume(run: Pick<RunSummary, 'id'>): Promise<void> {
    const r = await load(run.id);
    if (!r) return;
    // The journal grows as the resumed run goes on: a later comparison reads it afresh.
    const { [run.id]: _dropped, ...rest } = loaded.value;
    loaded.value = rest;
    if (await sweep.resume(run.id, r.profile, r.points)) ui.show('run');
    await refresh();
  }

  async function cancel(run: RunSummary): Promise<void> {
    if (!run.runId) return;
    if (sweep.runId !== run.runId && !(await sweep.attach(run.runId))) return;
    await sweep.cancel();
    await refresh();
  }

  /** Picks the two sides; loads their results. */
  async function compare(left: CompareSide, right: CompareSide): Promise<void> {
    a.value = left;
    b.value = right;
    await Promise.all([load(left.id), load(right.id)]);
  }

  /** Backends a run was measured on, once its results are loaded. */
  function backendsOf(id: string): BackendName[] {
    const r = loaded.value[id];
    return r ? dimensions(r).backends : [];
  }

  const comparison = computed<Comparison | null>(() => {
    const left = a.value && loaded.value[a.value.id];
    const right = b.value && loaded.value[b.value.id];
    if (!left || !right) return null;
    return compareResults(left, right, {
      ...(a.value?.backend ? { backendA: a.value.backend } : {}),
      ...(b.value?.backend ? { backendB: b.value.backend } : {}),
    });
  });

  const sides = computed(() => {
    const left = a.value && loaded.value[a.value.id];
    const right = b.value && loaded.value[b.value.id];
    if (!left || !right) return null;
    return [
      { results: left, ...(a.value?.backend ? { backend: a.value.backend } : {}) },
      { results: right, ...(b.value?.backend ? { backend: b.value.backend } : {}) },
    ] as const;
  });
  /** The family × mode pairs both sides measured; the chart shows `chartPick` (the first by default). */
  const chartChoices = computed(() => (sides.value ? comparableViews(...sides.value) : []));
  const chartPick = ref<string>('');
  /** A's and B's speedup curves overlaid, for one family × mode. */
  const comparisonChart = computed<ChartSpec | null>(() => {
    if (!sides.value) return null;
    const pick = chartChoices.value.find((c) => `${c.family}|${c.mode}` === chartPick.value) ?? chartChoices.value[0];
    return (pick && compareSpeedupChart(...sides.value, pick)) ?? null;
  });

  return {
    runs,
    loading,
    error,
    a,
    b,
    comparison,
    comparisonChart,
    chartChoices,
    chartPick,
    refresh,
    open,
    resume,
    cancel,
    compare,
    load,
    backendsOf,
  };
});
