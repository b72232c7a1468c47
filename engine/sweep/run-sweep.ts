import { describeError } from '../core/errors.js';
import type { BackendInfo, BackendName } from '../backends/backend.js';
import type { MeasureSettings, PointRecord } from '../files/schemas.js';
import { measureGroup, type PointGroup } from '../measure/measure-group.js';
import { now } from '../measure/clock.js';
import { countPoints, type PlannedGroup } from './expand.js';

export interface SweepProgress {
  done: number;
  total: number;
  /** Estimated milliseconds left, from this run's pace; absent before the first measured point. */
  etaMs?: number;
  /** What is being measured now, e.g. `bottleneck · wasm · inference · {"groups":4}`. */
  current?: string;
}

export interface SweepOptions {
  groups: PlannedGroup[];
  settings: MeasureSettings;
  /** Keys of points already finished (from a journal): skipped, counted as done. */
  done?: ReadonlySet<string>;
  /** Activates a backend (or throws BackendUnavailableError). */
  useBackend: (name: BackendName) => Promise<BackendInfo>;
  /** Measures one valid group; measureGroup (the active TensorFlow.js backend) by default. */
  measure?: (group: PointGroup, settings: MeasureSettings, signal?: AbortSignal) => Promise<PointRecord[]>;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /** Called once per finished point, in order, before the next group starts (journal it here). */
  onPoint?: (r: PointRecord) => void;
  /**
   * Test hook: once at least this many points were measured in this run (whole groups), the next group
   * waits for the cancel instead of starting, so a test of cancelling cannot race the sweep's speed
   * (see node-sweep.ts).
   */
  holdAfterPoints?: number;
  /** Test hook: resolves when the hold may end without a cancel (a test of reattaching lets the sweep finish). */
  releaseHold?: Promise<void>;
}

/** Resolves when `signal` aborts (never, without one). */
function aborted(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

function describeGroup(g: PlannedGroup): string {
  return `${g.family.name} · ${g.backend} · ${g.mode} · ${JSON.stringify(g.config ?? g.raw)}`;
}

function unmeasured(g: PlannedGroup, status: 'invalid' | 'error', message: string): PointRecord[] {
  return g.implementations.map((impl, i) => ({
    key: g.keys[i]!,
    family: g.family.name,
    implementation: impl.name,
    role: impl.role,
    mode: g.mode,
    backend: g.backend,
    config: g.config ?? g.raw,
    status,
    message,
    finishedAt: new Date().toISOString(),
  }));
}

/**
 * Runs planned groups in order (grouped by backend so each is activated once), measuring each valid
 * group and recording invalid ones with their reason. A runtime failure (out of memory, a backend
 * that cannot start) becomes `error` points and the sweep goes on. On abort, the group in flight
 * comes back as `cancelled` points and nothing after it starts.
 *
 * @example const points = await runSweep({ groups: expandProfile(profile), settings: profile.measure, useBackend });
 */
export async function runSweep(options: SweepOptions): Promise<PointRecord[]> {
  const { settings, signal } = options;
  const done = options.done ?? new Set<string>();
  const order = [...options.groups].sort((a, b) => a.backend.localeCompare(b.backend));
  const total = countPoints(order);
  let finished = order.reduce((n, g) => n + g.keys.filter((k) => done.has(k)).length, 0);
  const started = now();
  let measuredHere = 0;
  let released = false;
  const results: PointRecord[] = [];
  const backendErrors = new Map<BackendName, string>();
  const progress = (current?: string) => {
    const perPoint = measuredHere > 0 ? (now() - started) / measuredHere : undefined;
    options.onProgress?.({
      done: finished,
      total,
      ...(perPoint !== undefined ? { etaMs: perPoint * (total - finished) } : {}),
      ...(current ? { current } : {}),
    });
  };
  progress();
  for (const group of order) {
    if (group.keys.every((k) => done.has(k))) continue;
    if (options.holdAfterPoints !== undefined && measuredHere >= options.holdAfterPoints && !released) {
      await Promise.race([aborted(signal), options.releaseHold ?? new Promise<void>(() => undefined)]);
      released = true;
    }
    if (signal?.aborted) break;
    progress(describeGroup(group));
    let records: PointRecord[];
    if (group.invalid) {
      records = unmeasured(group, 'invalid', group.invalid);
    } else {
      let backend: BackendInfo | undefined;
      try {
        if (!backendErrors.has(group.backend)) backend = await options.useBackend(group.backend);
      } catch (e) {
        backendErrors.set(group.backend, describeError(e));
      }
      if (!backend) {
        records = unmeasured(group, 'error', backendErrors.get(group.backend)!);
      } else {
        try {
          records = await (options.measure ?? measureGroup)(
            { family: group.family, config: group.config!, mode: group.mode, backend, implementations: group.implementations },
            settings,
            signal,
          );
        } catch (e) {
          records = unmeasured(group, 'error', describeError(e));
        }
        measuredHere += records.length;
      }
    }
    for (const r of records) {
      results.push(r);
      if (r.status !== 'cancelled') {
        finished += 1;
        options.onPoint?.(r);
      }
    }
    progress();
  }
  return results;
}
