/**
 * The host's registry of live runs: each run's progress and the points it has finished, so a page that
 * reloads (or a second window) can reattach to it, and its progress by time, from the plan's estimate
 * the engine reports (SweepProgress.estimate) corrected by the run's own pace. The host never builds
 * the plan itself: a plan of a million points is the engine's work, off this thread.
 */
import type { BackendName, PointRecord, Profile, SweepProgress } from '../../engine/common.js';
import type { SweepHandle } from '../engine-host/supervisor.js';
import type { RunSnapshot, TimeProgress } from '../api.js';

/** One run this host is running. */
export class LiveRun {
  readonly startedAt: number;
  progress: SweepProgress | null = null;
  private readonly byKey = new Map<string, PointRecord>();
  handle?: SweepHandle;

  constructor(
    readonly runId: string,
    /** The run's folder name in the workspace's runs/. */
    readonly id: string,
    readonly profile: Profile,
    readonly backend: BackendName | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  addPoint(point: PointRecord): void {
    this.byKey.set(point.key, point);
  }

  get points(): PointRecord[] {
    return [...this.byKey.values()];
  }

  /**
   * Elapsed, remaining and the fraction done by time: the estimate of the groups left, scaled by how
   * long the finished ones took against their estimate (once one has finished). Before the engine's
   * first report nothing is known yet: 0 remaining, 0 done.
   */
  time(): TimeProgress {
    const elapsedMs = Math.max(0, this.now() - this.startedAt);
    const estimate = this.progress?.estimate;
    if (!estimate) return { elapsedMs, remainingMs: 0, fraction: 0 };
    const doneEstimate = estimate.doneMs;
    const leftEstimate = estimate.leftMs;
    const pace = doneEstimate > 0 ? elapsedMs / doneEstimate : 1;
    // Before any group has finished, only the plan's estimate is known: what it has not yet used up.
    const remainingMs =
      leftEstimate === 0 ? 0 : doneEstimate > 0 ? leftEstimate * pace : Math.max(leftEstimate - elapsedMs, 0.1 * leftEstimate);
    const fraction = elapsedMs + remainingMs > 0 ? elapsedMs / (elapsedMs + remainingMs) : 0;
    return { elapsedMs, remainingMs, fraction: Math.min(1, fraction) };
  }

  snapshot(): RunSnapshot {
    return {
      runId: this.runId,
      id: this.id,
      profile: this.profile,
      ...(this.backend ? { backend: this.backend } : {}),
      startedAt: new Date(this.startedAt).toISOString(),
      progress: this.progress,
      time: this.time(),
      points: this.points,
    };
  }
}
