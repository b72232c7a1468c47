import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type { BackendName, Environment, PointRecord, Profile, SweepEvent, SweepProgress, SweepResults } from '../../main/api';
import { buildCharts, defaultViews, type ChartSpec } from '../../engine/report/charts';
import type { View } from '../../engine/report/series';
import { RESULTS_SCHEMA_VERSION } from '../../engine/files/versions';
import { messageOf, useApi } from '../api';
import { useEnvironmentStore } from './environment';
import { useResultsStore } from './results';

export type RunPhase = 'idle' | 'starting' | 'running' | 'cancelling' | 'finished' | 'cancelled' | 'failed';

const UNKNOWN_ENVIRONMENT: Environment = {
  tool: 'fusebench',
  toolVersion: 'unknown',
  os: 'unknown',
  cpu: 'unknown',
  cores: 0,
  memoryBytes: 0,
  node: 'unknown',
  tfjs: 'unknown',
  backends: [],
};

/** Adds points to a list by key: a point measured again replaces its older record. */
function mergePoints(base: readonly PointRecord[], more: readonly PointRecord[]): PointRecord[] {
  const byKey = new Map(base.map((p) => [p.key, p]));
  for (const p of more) byKey.set(p.key, p);
  return [...byKey.values()];
}

/**
 * The sweep run of this session: start, progress, points as they finish, cancel, and the final
 * results. Points go to the results store live, so charts and table fill in as the run goes.
 */
export const useSweepStore = defineStore('sweep', () => {
  const api = useApi();
  const environment = useEnvironmentStore();
  const resultsStore = useResultsStore();

  const phase = ref<RunPhase>('idle');
  const runId = ref<string | null>(null);
  const profile = shallowRef<Profile | null>(null);
  const backend = ref<BackendName | null>(null);
  const progress = shallowRef<SweepProgress | null>(null);
  const points = shallowRef<PointRecord[]>([]);
  const results = shallowRef<SweepResults | null>(null);
  const resultsPath = ref<string | null>(null);
  const error = ref<string | null>(null);
  const startedAt = ref<number | null>(null);
  const finishedAt = ref<number | null>(null);
  /** Events that arrived while startSweep was in flight (before the run id was known). */
  let early: SweepEvent[] = [];

  const active = computed(() => phase.value === 'starting' || phase.value === 'running' || phase.value === 'cancelling');
  const fraction = computed(() => {
    const p = progress.value;
    if (!p || p.total <= 0) return phase.value === 'finished' ? 1 : 0;
    return Math.min(1, p.done / p.total);
  });
  const lastPoint = computed(() => points.value[points.value.length - 1]);
  /** The run view follows the family, mode and backend of the latest finished point. */
  const liveView = computed<View | null>(() => {
    const r = results.value;
    if (!r || r.points.length === 0) return null;
    const last = lastPoint.value;
    const views = defaultViews(r);
    return views.find((v) => v.family === last?.family && v.mode === last?.mode && v.backend === last?.backend) ?? views[0] ?? null;
  });
  const liveCharts = computed<ChartSpec[]>(() => {
    const r = results.value;
    const v = liveView.value;
    return r && v ? buildCharts(r, v).filter((c) => c.id === 'latency' || c.id === 'speedup') : [];
  });

  function liveResults(): SweepResults {
    const p = profile.value as Profile;
    const env = environment.environment ?? UNKNOWN_ENVIRONMENT;
    return {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: 'fusebench', version: env.toolVersion },
      createdAt: new Date(startedAt.value ?? Date.now()).toISOString(),
      complete: false,
      profile: p,
      environment: env,
      points: points.value,
    };
  }

  function publish(path?: string): void {
    if (!runId.value || !results.value) return;
    resultsStore.updateRun(runId.value, results.value, path);
  }

  function handle(event: SweepEvent): void {
    if (phase.value === 'starting') {
      early.push(event);
      return;
    }
    if (event.runId !== runId.value || !active.value) return;
    switch (event.type) {
      case 'progress':
        progress.value = event.progress;
        break;
      case 'point':
        points.value = mergePoints(points.value, [event.point]);
        results.value = liveResults();
        publish();
        break;
      case 'finished': {
        // The host's file is the record; points seen live but missing from it are kept, never dropped.
        const finalPoints = mergePoints(points.value, event.results.points);
        points.value = finalPoints;
        results.value = finalPoints.length === event.results.points.length ? event.results : { ...event.results, points: finalPoints };
        resultsPath.value = event.resultsPath;
        phase.value = event.complete ? 'finished' : 'cancelled';
        finishedAt.value = Date.now();
        if (progress.value) progress.value = { ...progress.value, etaMs: 0 };
        publish(event.resultsPath);
        break;
      }
      case 'failed':
        error.value = event.message;
        phase.value = 'failed';
        finishedAt.value = Date.now();
        break;
    }
  }

  const unsubscribe = api.onSweepEvent(handle);
  onScopeDispose(unsubscribe);

  /**
   * Starts a run of a profile (optionally on one backend instead of the profile's, and with a raised
   * point limit the user confirmed); resolves once it runs.
   */
  async function start(p: Profile, on?: BackendName, maxPoints?: number): Promise<boolean> {
    if (active.value) return false;
    phase.value = 'starting';
    profile.value = p;
    backend.value = on ?? null;
    progress.value = null;
    points.value = [];
    resultsPath.value = null;
    error.value = null;
    startedAt.value = Date.now();
    finishedAt.value = null;
    early = [];
    try {
      const { runId: id } = await api.startSweep({ profile: p, ...(on ? { backend: on } : {}), ...(maxPoints ? { maxPoints } : {}) });
      runId.value = id;
      phase.value = 'running';
      results.value = liveResults();
      resultsStore.show(results.value, { kind: 'run', runId: id, name: p.name });
      const pending = early;
      early = [];
      for (const event of pending) handle(event);
      return true;
    } catch (e) {
      phase.value = 'failed';
      error.value = `The sweep could not start: ${messageOf(e)}`;
      early = [];
      return false;
    }
  }

  /** Asks the host to stop after the point in flight; the finished points stay. */
  async function cancel(): Promise<void> {
    if (!runId.value || (phase.value !== 'running' && phase.value !== 'cancelling')) return;
    phase.value = 'cancelling';
    try {
      await api.cancelSweep(runId.value);
    } catch (e) {
      error.value = `Cancel failed: ${messageOf(e)}`;
      phase.value = 'running';
    }
  }

  return {
    phase,
    runId,
    profile,
    backend,
    progress,
    points,
    results,
    resultsPath,
    error,
    startedAt,
    finishedAt,
    active,
    fraction,
    lastPoint,
    liveView,
    liveCharts,
    start,
    cancel,
    handle,
  };
});
