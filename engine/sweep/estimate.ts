import type { BackendName } from '../core/backend-names.js';
import { passSettings } from '../measure/passes.js';
import type { MeasureSettings, PointRecord, SweepResults } from '../files/schemas.js';
import { implementationFormulas } from '../formulas.js';
import { expandProfile, type PlannedGroup } from './expand.js';

/**
 * Rough sustained FLOP/s per backend, the starting point before any run was measured here (wasm measured
 * on this project's 2-core build machines; the GPU figures from DESIGN.md §7's tfjs-webgpu matmul).
 * Measured results never use these.
 */
const NOMINAL_FLOPS: Record<BackendName, number> = { cpu: 0.5e9, wasm: 4e9, webgpu: 5e10, tensorflow: 5e10, torch: 5e10 };
/** Fixed cost of one call (dispatch, data download), in ms. */
const CALL_OVERHEAD_MS = 0.3;
/**
 * Fixed cost of one group before any earlier run calibrates it: the equivalence gate (cold first calls),
 * the memory pass under tf.profile and the machine-load sampling. Seen on the 2-core build machines with
 * wasm: about a second per group at small shapes, where the nominal FLOP rate alone said 50 ms.
 */
const GROUP_OVERHEAD_MS: Record<BackendName, number> = { cpu: 600, wasm: 900, webgpu: 1500, tensorflow: 1500, torch: 2500 };

/**
 * A backend's start before any earlier run calibrates it: the pass processes (and on torch a Python with
 * PyTorch in each of them, several seconds on 2 cores), wasm's instantiation, a GPU's shader compiles.
 */
const NOMINAL_SETUP_MS: Record<BackendName, number> = { cpu: 1000, wasm: 2000, webgpu: 4000, tensorflow: 4000, torch: 8000 };

/**
 * What earlier runs in a workspace measured, per backend: a group's wall time ≈ `scale` × its nominal
 * estimate + `perGroupMs` (gate, memory pass, set-up of the group), plus `setupMs` once per run (the
 * backend's start: wasm instantiation, shader compilation, a worker's start).
 */
export interface BackendCalibration {
  scale: number;
  perGroupMs: number;
  setupMs: number;
  /** Measured groups and runs the figures come from. */
  groups: number;
  runs: number;
  /** The largest nominal group time measured: far beyond it the calibration is extrapolation. */
  maxNominalMs: number;
}

/** Beyond this multiple of the largest measured group, an estimate never goes below the nominal figure. */
const EXTRAPOLATION = 4;

export type Calibration = Partial<Record<BackendName, BackendCalibration>>;

/** Passes a group takes beyond measure.minPasses, on average (passes that disagree go on; docs/measurement.md). */
const EXTRA_PASSES = 0.5;

/**
 * The nominal wall time of one valid group: gate and memory pass once, then in each of its passes a
 * warm-up and the pass's share of sampling (bounded as the sampler is).
 */
export function nominalGroupMs(
  g: Pick<PlannedGroup, 'family' | 'mode' | 'backend' | 'config' | 'implementations'>,
  settings: MeasureSettings,
): number {
  if (!g.config) return 0;
  const factor = g.mode === 'training' ? 3 : 1;
  const callMs = g.implementations.map(
    (i) =>
      ((factor * implementationFormulas(g.family, i.name, g.config!).executedFlops) / NOMINAL_FLOPS[g.backend]) * 1000 + CALL_OVERHEAD_MS,
  );
  const oneRound = callMs.reduce((a, b) => a + b, 0);
  const warmup = callMs.reduce((a, c) => a + Math.max(settings.warmupMs, 2 * c), 0);
  const pass = passSettings(settings);
  const sampling = Math.min(pass.maxMsPerPoint, oneRound * pass.maxSamples, Math.max(oneRound * pass.minSamples, oneRound * 10));
  const passes = Math.min(settings.maxPasses, settings.minPasses + EXTRA_PASSES);
  return 4 * oneRound + passes * (warmup + sampling) + GROUP_OVERHEAD_MS[g.backend];
}

/**
 * Estimated wall time of each group of a plan, in plan order (0 for invalid groups): from the workspace's
 * calibration where the backend has one, else the nominal figure. Progress by time sums these.
 */
export function estimateGroupsMs(groups: readonly PlannedGroup[], settings: MeasureSettings, calibration: Calibration = {}): number[] {
  return groups.map((g) => {
    if (!g.config) return 0;
    const nominal = nominalGroupMs(g, settings);
    const c = calibration[g.backend];
    if (!c) return nominal;
    const calibrated = c.scale * nominal + c.perGroupMs;
    // Shapes far larger than any measured here: small runs say little about big ones, so never less than nominal.
    return nominal > EXTRAPOLATION * c.maxNominalMs ? Math.max(calibrated, nominal) : calibrated;
  });
}

/**
 * Estimated wall time of a sweep before it runs: the groups' estimates plus each backend's start-up
 * (calibrated, else nominal). An estimate for the editor, labelled there with what it rests on.
 *
 * @example estimateSweepMs(expandProfile(profile), profile.measure, calibrateFromRuns(earlierResults))
 */
export function estimateSweepMs(groups: readonly PlannedGroup[], settings: MeasureSettings, calibration: Calibration = {}): number {
  const perGroup = estimateGroupsMs(groups, settings, calibration).reduce((a, b) => a + b, 0);
  const backends = new Set(groups.filter((g) => g.config).map((g) => g.backend));
  const setup = [...backends].reduce((a, b) => a + (calibration[b]?.setupMs ?? NOMINAL_SETUP_MS[b]), 0);
  return Math.round(perGroup + setup);
}

interface MeasuredGroup {
  backend: BackendName;
  nominalMs: number;
  measuredMs: number;
  /** The run's first group: its time includes the backend's start, and `tailMs` the run's end (results and report written). */
  first: boolean;
  tailMs?: number;
}

function time(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : NaN;
}

/**
 * Each measured group's wall time in a results file: from the previous group's last point (the run's
 * start for the first) to its own last point, so the gate, memory pass and set-up are in it. Groups
 * whose points were not all measured in one go (resumed, cancelled) are left out.
 */
export function measuredGroups(results: SweepResults): MeasuredGroup[] {
  const byKey = new Map(results.points.map((p) => [p.key, p]));
  const backends = [...new Set(results.points.map((p) => p.backend))];
  const override =
    backends.length === 1 && !(results.profile.backends.length === 1 && results.profile.backends[0] === backends[0])
      ? backends[0]
      : undefined;
  let plan: PlannedGroup[];
  try {
    plan = expandProfile(results.profile, override);
  } catch {
    return [];
  }
  const ended = plan
    .map((g) => ({ g, points: g.keys.map((k) => byKey.get(k)).filter((p): p is PointRecord => p !== undefined) }))
    .filter(({ g, points }) => points.length === g.keys.length && points.length > 0)
    .map(({ g, points }) => ({ g, points, end: Math.max(...points.map((p) => time(p.finishedAt))) }))
    .filter((x) => Number.isFinite(x.end))
    .sort((a, b) => a.end - b.end);
  const out: MeasuredGroup[] = [];
  let previous = time(results.createdAt);
  const lastEnd = ended.at(-1)?.end ?? NaN;
  const tail = time(results.finishedAt) - lastEnd;
  ended.forEach(({ g, points, end }, i) => {
    const measuredMs = end - previous;
    previous = end;
    if (!g.config || !Number.isFinite(measuredMs) || measuredMs < 0 || points.some((p) => p.status !== 'ok')) return;
    // A gap over an hour is a resume, not a measurement.
    if (measuredMs > 3_600_000) return;
    const first = i === 0;
    out.push({
      backend: g.backend,
      nominalMs: nominalGroupMs(g, results.profile.measure),
      measuredMs,
      first,
      ...(first && Number.isFinite(tail) && tail >= 0 && tail < 600_000 ? { tailMs: tail } : {}),
    });
  });
  return out;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Per backend, the linear model measured ≈ scale × nominal + perGroupMs fitted by least squares to
 * earlier runs' groups (the first group of each run aside), and the start-up as the median excess of
 * those first groups. The fit is used only where it is well determined: 3 groups or more whose nominal
 * times span a factor of 4, a positive slope not far below the ratio of totals, a positive intercept.
 * Otherwise (e.g. only tiny shapes, all fixed cost) the plain ratio of totals, which scales with the work.
 *
 * @example calibrateFromRuns([quick, smoke]).wasm?.scale // 2.7: this machine runs wasm at 1/2.7 of the nominal rate
 */
export function calibrateFromRuns(runs: readonly SweepResults[]): Calibration {
  const byBackend = new Map<BackendName, { groups: MeasuredGroup[]; runs: number }>();
  for (const r of runs) {
    const groups = measuredGroups(r);
    for (const backend of new Set(groups.map((g) => g.backend))) {
      const entry = byBackend.get(backend) ?? { groups: [], runs: 0 };
      entry.groups.push(...groups.filter((g) => g.backend === backend));
      entry.runs += 1;
      byBackend.set(backend, entry);
    }
  }
  const out: Calibration = {};
  for (const [backend, { groups, runs: count }] of byBackend) {
    const steady = groups.filter((g) => !g.first);
    const fit = steady.length > 0 ? steady : groups;
    const n = fit.length;
    const sx = fit.reduce((a, g) => a + g.nominalMs, 0);
    const sy = fit.reduce((a, g) => a + g.measuredMs, 0);
    const ratio = sx > 0 ? sy / sx : 1;
    let scale = ratio;
    let perGroupMs = 0;
    const nominals = fit.map((g) => g.nominalMs);
    const spread = Math.min(...nominals) > 0 ? Math.max(...nominals) / Math.min(...nominals) : 0;
    if (n >= 3 && spread >= 4) {
      const mx = sx / n;
      const my = sy / n;
      const sxx = fit.reduce((a, g) => a + (g.nominalMs - mx) ** 2, 0);
      const sxy = fit.reduce((a, g) => a + (g.nominalMs - mx) * (g.measuredMs - my), 0);
      const slope = sxx > 0 ? sxy / sxx : 0;
      const intercept = my - slope * mx;
      if (slope >= 0.25 * ratio && intercept >= 0) [scale, perGroupMs] = [slope, intercept];
    }
    // Start-up: the first group's excess over the model, plus the time after the last point (writing results and report).
    const firsts = groups
      .filter((g) => g.first)
      .map((g) => Math.max(0, g.measuredMs - (scale * g.nominalMs + perGroupMs)) + (g.tailMs ?? 0));
    out[backend] = {
      scale,
      perGroupMs,
      setupMs: median(firsts),
      groups: groups.length,
      runs: count,
      maxNominalMs: Math.max(...groups.map((g) => g.nominalMs)),
    };
  }
  return out;
}
