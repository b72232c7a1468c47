import { BackendUnavailableError, FusebenchError } from '../core/errors.js';
import type { BackendInfo, BackendName } from '../core/backend-names.js';
import { canonicalJson } from '../core/point-key.js';
import { probeBackend } from '../backends/node.js';
import { MAX_POINTS_CEILING } from '../files/limits.js';
import type { Profile } from '../files/schemas.js';
import { checkPlan } from './plan-check.js';

/**
 * A sweep's plan, checked once (engine/sweep/plan-check.ts: names, the point limit) and counted without
 * being built: what a host hands its engine, which builds the groups from it without checking again.
 */
export interface SweepPlan {
  backends: BackendName[];
  points: number;
  /** The backend the profile's points are moved to (`--backend`, or a resumed journal's), if any. */
  override?: BackendName;
}

/** What a plan is made for: a fresh sweep, or the continuation of one whose journal recorded its backends. */
export interface PlanRequest {
  backend?: BackendName;
  maxPoints?: number;
  /** Resuming: the backends the journal was started on (its size was accepted then; it is not asked again). */
  resumedOn?: readonly BackendName[];
  /** Resuming: where the journal is, for messages. */
  journal?: string;
}

/**
 * The one place a sweep is planned: the profile's axes merged and checked, the points counted against
 * the limit, and, for a resume, the rule that a journal keeps the backends it started on. Hosts call it
 * once per run and pass the plan on (SweepFilesRequest.plan).
 *
 * @example const plan = planSweep(profile, { backend: 'wasm' }); plan.points
 */
export function planSweep(profile: Profile, request: PlanRequest = {}): SweepPlan {
  const recorded = request.resumedOn;
  if (recorded && request.backend && canonicalJson([request.backend]) !== canonicalJson(recorded)) {
    throw new FusebenchError(
      `${request.journal ?? 'the journal'} was started on ${recorded.join(', ')}; resuming on ${request.backend} would mix backends: ` +
        `resume with --backend ${recorded.join(',')} or without --backend, or start a new sweep with another --out`,
      'usage',
      'backend',
    );
  }
  const backends = recorded ? [...recorded] : request.backend ? [request.backend] : [...profile.backends];
  const override = canonicalJson(backends) === canonicalJson(profile.backends) ? undefined : backends[0];
  const { points } = checkPlan(profile, {
    ...(override ? { backend: override } : {}),
    maxPoints: recorded ? MAX_POINTS_CEILING : request.maxPoints,
  });
  return { backends, points, ...(override ? { override } : {}) };
}

/** An optional backend left out of a sweep, and why it cannot run here. */
export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

/**
 * The profile as it runs here: its optional backends that cannot run (`reasonOf` gives why, or undefined
 * where one can) left out, with why. A profile whose every backend is left out keeps them, so the sweep is
 * refused by name rather than run on nothing.
 *
 * @example const { profile: here, skipped } = withoutUnavailable(profile, (b) => (b === 'torch' ? 'no PyTorch' : undefined));
 */
export function withoutUnavailable(
  profile: Profile,
  reasonOf: (backend: BackendName) => string | undefined,
): { profile: Profile; skipped: SkippedBackend[] } {
  const skipped = (profile.optionalBackends ?? []).flatMap((backend) => {
    const reason = profile.backends.includes(backend) ? reasonOf(backend) : undefined;
    return reason === undefined ? [] : [{ backend, reason }];
  });
  const backends = profile.backends.filter((b) => !skipped.some((s) => s.backend === b));
  if (skipped.length === 0 || backends.length === 0) return { profile, skipped: [] };
  const optional = profile.optionalBackends!.filter((b) => backends.includes(b));
  const here: Profile = { ...profile, backends };
  if (optional.length > 0) here.optionalBackends = optional;
  else delete here.optionalBackends;
  return { profile: here, skipped };
}

/** The same, probing each optional backend here (the CLI; hosts with an environment pass its answers). */
export async function withoutUnavailableHere(profile: Profile): Promise<{ profile: Profile; skipped: SkippedBackend[] }> {
  const reasons = new Map<BackendName, string>();
  for (const b of profile.optionalBackends ?? []) {
    const info = await probeBackend(b);
    if (!info.available) reasons.set(b, info.reason ?? 'unknown reason');
  }
  return withoutUnavailable(profile, (b) => reasons.get(b));
}

/** `torch is not available here (no module named torch): measuring wasm only` */
export function describeSkipped(skipped: readonly SkippedBackend[], profile: Profile): string {
  const left = skipped.map((s) => `${s.backend} is not available here (${s.reason})`).join('; ');
  return `${left}: measuring ${profile.backends.join(', ')} only`;
}

/** The backend's description where it can run here, else BackendUnavailableError naming why. */
export async function availableBackend(name: BackendName): Promise<BackendInfo> {
  const info = await probeBackend(name);
  if (!info.available) throw new BackendUnavailableError(name, info.reason ?? 'unknown reason');
  return info;
}

/** Refuses a plan with a backend that cannot run here: one line naming it and why, before the first point. */
export async function assertBackendsAvailable(plan: Pick<SweepPlan, 'backends'>): Promise<void> {
  for (const name of plan.backends) await availableBackend(name);
}
