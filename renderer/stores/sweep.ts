import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type {
  BackendName,
  Environment,
  PointRecord,
  Profile,
  RunSnapshot,
  SweepEvent,
  SweepProgress,
  SweepResults,
  TimeProgress,
} from '../../main/api';
import { buildCharts, defaultViews, type ChartSpec } from '../../engine/report/charts';
import type { View } from '../../engine/report/series';
import { RESULTS_SCHEMA_VERSION } from '../../engine/files/versions';
import { messageOf, useApi } from '../api';
import { HostError } from '../api/reply';
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
 * The sweep run of this session: start, progress (by time), points as they finish, cancel, resume, and
 * the final results. Points go to the results store live, so charts and table fill in as the run goes;
 * after a reload the store reattaches to a run the host is still running.
 */
export const useSweepStore = defineStore('sweep', () => {
  const api = useApi();
  const environment = useEnvironmentStore();
  const resultsStore = useResultsStore();

  const phase = ref<RunPhase>('idle');
  const runId = ref<string | null>(null);
  /** The run's folder in the host's workspace (runs/<id>/), for resume. */
  const folder = ref<string | null>(null);
  const profile = shallowRef<Profile | null>(null);
  const backend = ref<BackendName | null>(null);
  const progress = shallowRef<SweepProgress | null>(null);
  /** The host's progress by time, and when it arrived (the view counts the clock on from there). */
  const time = shallowRef<(TimeProgress & { at: number }) | null>(null);
  const points = shallowRef<PointRecord[]>([]);
  const results = shallowRef<SweepResults | null>(null);
  const resultsPath = ref<string | null>(null);
  const error = ref<string | null>(null);
  /** The profile field the host named when a run could not start (a JSON path), for the editor to mark. */
  const errorField = ref<string | null>(null);
  const startedAt = ref<number | null>(null);
  const finishedAt = ref<number | null>(null);
  /** Whether this run was picked up again after a reload (or from the runs list). */
  const reattached = ref(false);
  /** Events that arrived while the run id (startSweep) or the snapshot (attachRun) was on its way. */
  let early: SweepEvent[] = [];
  let waiting = false;

  const active = computed(() => phase.value === 'starting' || phase.value === 'running' || phase.value === 'cancelling');
  /** Done by time where the host says (the estimate of each group, corrected by this run's pace), else by points. */
  const fraction = computed(() => {
    if (phase.value === 'finished') return 1;
    if (time.value) return time.value.fraction;
    const p = progress.value;
    return !p || p.total <= 0 ? 0 : Math.min(1, p.done / p.total);
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
    resultsStore.updateRun(runId.value, results.value, path, active.value);
  }

  function handle(event: SweepEvent): void {
    if (waiting) {
      early.push(event);
      return;
    }
    if (event.runId !== runId.value || !active.value) return;
    switch (event.type) {
      case 'progress':
        // A snapshot may be newer than an event that was already on its way: never go back.
        if (!progress.value || event.progress.done >= progress.value.done) progress.value = event.progress;
        if (event.time) time.value = { ...event.time, at: Date.now() };
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
        if (time.value) time.value = { ...time.value, remainingMs: 0, fraction: event.complete ? 1 : time.value.fraction, at: Date.now() };
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

  function reset(p: Profile, on: BackendName | null): void {
    profile.value = p;
    backend.value = on;
    progress.value = null;
    time.value = null;
    points.value = [];
    resultsPath.value = null;
    error.value = null;
    errorField.value = null;
    startedAt.value = Date.now();
    finishedAt.value = null;
    reattached.value = false;
  }

  /** Replays what arrived while waiting for the host's answer, then listens directly again. */
  function replay(): void {
    waiting = false;
    const pending = early;
    early = [];
    for (const event of pending) handle(event);
  }

  /** Takes a run the host has accepted (started or resumed) as this session's run. */
  async function follow(p: Profile, request: () => Promise<{ runId: string; id?: string }>, failure: string): Promise<boolean> {
    early = [];
    waiting = true;
    phase.value = 'starting';
    try {
      const { runId: id, id: dir } = await request();
      runId.value = id;
      folder.value = dir ?? null;
      phase.value = 'running';
      results.value = liveResults();
      resultsStore.show(results.value, { kind: 'run', runId: id, name: p.name, live: true });
      replay();
      return true;
    } catch (e) {
      waiting = false;
      early = [];
      phase.value = 'failed';
      error.value = `${failure}: ${messageOf(e)}`;
      errorField.value = e instanceof HostError && e.field ? e.field : null;
      return false;
    }
  }

  /**
   * Starts a run of a profile (optionally on one backend instead of the profile's, and with a raised
   * point limit the user confirmed); resolves once it runs.
   */
  async function start(p: Profile, on?: BackendName, maxPoints?: number): Promise<boolean> {
    if (active.value) return false;
    reset(p, on ?? null);
    return follow(
      p,
      () => api.startSweep({ profile: p, ...(on ? { backend: on } : {}), ...(maxPoints ? { maxPoints } : {}) }),
      'The sweep could not start',
    );
  }

  /** Continues a cancelled or failed run's journal in its folder; the finished points stay and are shown. */
  async function resume(id: string, p: Profile, finished: readonly PointRecord[] = []): Promise<boolean> {
    if (active.value) return false;
    reset(p, null);
    points.value = [...finished];
    return follow(p, () => api.resumeRun(id), 'The run could not be resumed');
  }

  /** Shows a run the host is running (after a reload): its progress and the points so far, then its events. */
  async function attach(id: string): Promise<boolean> {
    if (active.value && runId.value === id) return true;
    if (active.value) return false;
    early = [];
    waiting = true;
    let snapshot: RunSnapshot;
    try {
      snapshot = await api.attachRun(id);
    } catch (e) {
      waiting = false;
      early = [];
      error.value = `Could not reattach to the running sweep: ${messageOf(e)}`;
      return false;
    }
    reset(snapshot.profile, snapshot.backend ?? null);
    reattached.value = true;
    runId.value = snapshot.runId;
    folder.value = snapshot.id;
    startedAt.value = Date.parse(snapshot.startedAt);
    progress.value = snapshot.progress;
    if (snapshot.time) time.value = { ...snapshot.time, at: Date.now() };
    points.value = snapshot.points;
    phase.value = 'running';
    results.value = liveResults();
    resultsStore.show(results.value, { kind: 'run', runId: snapshot.runId, name: snapshot.profile.name, live: active.value });
    replay();
    return true;
  }

  /** At start-up: reattaches to the newest run the host is running, if any (a reload must not lose it). */
  async function reattach(): Promise<boolean> {
    try {
      const live = (await api.listRuns()).find((r) => r.status === 'running' && r.runId);
      return live?.runId ? attach(live.runId) : false;
    } catch {
      // No runs list (an older host): nothing to reattach to.
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
    folder,
    profile,
    backend,
    progress,
    time,
    points,
    results,
    resultsPath,
    error,
    errorField,
    startedAt,
    finishedAt,
    reattached,
    active,
    fraction,
    lastPoint,
    liveView,
    liveCharts,
    start,
    resume,
    attach,
    reattach,
    cancel,
    handle,
  };
});
