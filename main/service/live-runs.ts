/**
 * The host's registry of live runs: each run's progress and the points it has finished, so a page that
 * reloads (or a second window) can reattach to it, and its progress by time, from the plan's estimated
 * group times corrected by the run's own pace.
 */
import type { PlannedGroup } from '../../engine/node.js';
import type { BackendName, PointRecord, Profile, SweepProgress } from '../../engine/common.js';
import type { SweepHandle } from '../engine-host/supervisor.js';
import type { RunSnapshot, TimeProgress } from '../api.js';

export interface LivePlan {
  groups: readonly Pick<PlannedGroup, 'keys'>[];
  /** Estimated ms per group, in plan order (0 for invalid groups). */
  estimates: readonly number[];
}

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
    private readonly plan: LivePlan,
    /** Points a resumed run took from its journal: already done, not part of this run's time. */
    private readonly previous: ReadonlySet<string> = new Set(),
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
   * long the finished ones took against their estimate (once one has finished).
   */
  time(): TimeProgress {
    const elapsedMs = Math.max(0, this.now() - this.startedAt);
    let doneEstimate = 0;
    let leftEstimate = 0;
    this.plan.groups.forEach((g, i) => {
      const estimate = this.plan.estimates[i] ?? 0;
      if (g.keys.every((k) => this.previous.has(k))) return;
      if (g.keys.every((k) => this.byKey.has(k) || this.previous.has(k))) doneEstimate += estimate;
      else leftEstimate += estimate;
    });
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
