/**
 * `fusebench scan` (docs/scan.md): find the fusable branches of a user's PyTorch model, rewrite them,
 * prove the rewrite, and (with `measure`) time the original against the rewrite with the sweeps' paired
 * statistics — each pass in a fresh Python process, passes combined as sweeps combine them
 * (engine/stats/random-effects.ts), so an interval describes a rerun, not one process.
 */
import { hashString, pairedSpeedup, roundRatios, type Verdict } from '../stats/paired.js';
import { combinePasses } from '../stats/random-effects.js';
import { summarize } from '../stats/sample-stats.js';
import type { ScanMode, ScanModel, ScanResult, ScanSite, ScanTimeSettings, TimedMode } from './scan-protocol.js';
import { scanModel, timeTargets, type ScanRunOptions } from './scan-runner.js';

export interface ScanOptions extends ScanModel {
  outDir?: string;
  measure: boolean;
  /** Keep sites measured slower in every mode (otherwise they are left out of the rewritten model). */
  keepSlower: boolean;
  /** Measurement passes, each in a fresh process (default 3). */
  passes: number;
  settings: ScanTimeSettings;
}

export const DEFAULT_SCAN_TIME_SETTINGS: ScanTimeSettings = {
  warmupMs: 200,
  minSampleMs: 2,
  maxMsPerTarget: 2000,
  minRounds: 10,
  maxRounds: 200,
};

/** One mode's measurement of one target (a site alone, or the whole rewritten model). */
export interface ModeMeasurement {
  mode: ScanMode;
  speedup: number;
  speedupLow: number;
  speedupHigh: number;
  verdict: Verdict;
  passes: number;
  rounds: number;
  /** Median per call over every round of every pass. */
  originalMs: number;
  fusedMs: number;
  /** CUDA's max allocated bytes during one call; null on CPU. */
  memory: { original: number | null; fused: number | null };
}

/** The headline of a measured target: the training step where it was measured, else inference. */
export interface Headline {
  mode: ScanMode;
  speedup: number;
  speedupLow: number;
  speedupHigh: number;
  verdict: Verdict;
  /** CUDA's peak bytes per call, original and fused (null on CPU). */
  memory: { original: number | null; fused: number | null };
}

export type ReportedSite = ScanSite & { measurement?: ModeMeasurement[] } & Partial<Headline>;

export interface ScanReport extends Omit<ScanResult, 'sites' | 'whole'> {
  sites: ReportedSite[];
  whole: ScanResult['whole'] & { measurement?: ModeMeasurement[] } & Partial<Headline>;
  passes: number;
}

export interface ScanProgress {
  /** What runs now: 'scan', 'pass 2/3', 'rewrite'. */
  step: string;
}

function combine(name: string, perPass: TimedMode[][]): ModeMeasurement[] {
  const modes = perPass[0]!.map((m) => m.mode);
  return modes.map((mode, k) => {
    const runs = perPass.map((p) => p[k]!);
    const passes = runs.map((r, i) => pairedSpeedup(roundRatios(r.originalMs, r.fusedMs), hashString(`${name}/${mode}/${i}`)));
    const rounds = runs.reduce((a, r) => a + Math.min(r.originalMs.length, r.fusedMs.length), 0);
    const c = combinePasses(passes, rounds);
    return {
      mode,
      speedup: c.speedup,
      speedupLow: c.speedupLow,
      speedupHigh: c.speedupHigh,
      verdict: c.verdict,
      passes: runs.length,
      rounds,
      originalMs: summarize(runs.flatMap((r) => r.originalMs)).medianMs,
      fusedMs: summarize(runs.flatMap((r) => r.fusedMs)).medianMs,
      memory: runs[0]!.memory,
    };
  });
}

export function headline(measured: ModeMeasurement[]): Headline | undefined {
  const m = measured.find((x) => x.mode === 'training') ?? measured[0];
  return (
    m && { mode: m.mode, speedup: m.speedup, speedupLow: m.speedupLow, speedupHigh: m.speedupHigh, verdict: m.verdict, memory: m.memory }
  );
}

/** Measures targets over `passes` fresh processes: name -> per-mode measurement. */
async function measureTargets(
  options: ScanOptions,
  targets: { name: string; sites: string[] }[],
  run: ScanRunOptions,
  onProgress: (p: ScanProgress) => void,
  label: string,
): Promise<Map<string, ModeMeasurement[]>> {
  const perTarget = new Map<string, TimedMode[][]>(targets.map((t) => [t.name, []]));
  for (let pass = 1; pass <= options.passes; pass++) {
    onProgress({ step: `${label}: pass ${pass}/${options.passes}` });
    const timed = await timeTargets({ ...model(options), command: 'time', targets, settings: options.settings }, run);
    for (const t of timed.targets) perTarget.get(t.name)?.push(t.modes);
  }
  return new Map([...perTarget].map(([name, passes]) => [name, combine(name, passes)]));
}

function model(o: ScanOptions): ScanModel {
  return {
    file: o.file,
    className: o.className,
    kwargs: o.kwargs,
    inputShape: o.inputShape,
    ...(o.weights ? { weights: o.weights } : {}),
    modes: o.modes,
    device: o.device,
    seed: o.seed,
  };
}

const WHOLE = '(whole model)';

/**
 * Scans, proves and (with `measure`) times the model; sites measured slower in every mode are left out
 * of the rewrite unless `keepSlower`, and the whole model is measured with the sites that stay.
 */
export async function runScan(
  options: ScanOptions,
  run: ScanRunOptions = {},
  onProgress: (p: ScanProgress) => void = () => undefined,
): Promise<ScanReport> {
  onProgress({ step: 'scan' });
  const first = await scanModel(
    { ...model(options), command: 'scan', ...(options.outDir && !options.measure ? { outDir: options.outDir } : {}) },
    run,
  );
  if (!options.measure) return { ...first, passes: 0 };
  const fusable = first.whole.sitesFused;
  if (fusable.length === 0) return { ...first, passes: 0 };
  const targets = [...fusable.map((path) => ({ name: path, sites: [path] })), { name: WHOLE, sites: fusable }];
  const measured = await measureTargets(options, targets, run, onProgress, 'timing each site and the whole model');
  const slower = fusable.filter((p) => measured.get(p)!.every((m) => m.verdict === 'slower'));
  const excluded = options.keepSlower ? [] : slower;
  let final = first;
  if (excluded.length > 0 || options.outDir) {
    onProgress({ step: 'rewrite' });
    final = await scanModel(
      { ...model(options), command: 'scan', exclude: excluded, ...(options.outDir ? { outDir: options.outDir } : {}) },
      run,
    );
  }
  let whole = measured.get(WHOLE)!;
  const kept = final.whole.sitesFused;
  if (excluded.length > 0) {
    whole =
      kept.length > 0
        ? (await measureTargets(options, [{ name: WHOLE, sites: kept }], run, onProgress, 'timing the whole model')).get(WHOLE)!
        : [];
  }
  const sites: ReportedSite[] = final.sites.map((s) => {
    const m = measured.get(s.path);
    if (!m) return s;
    const reason = excluded.includes(s.path)
      ? { fusable: false, reason: 'measured slower fused than as branches in every mode; --keep-slower keeps it' }
      : {};
    return { ...s, ...reason, measurement: m, ...headline(m) };
  });
  return {
    ...final,
    sites,
    whole: { ...final.whole, ...(whole.length ? { measurement: whole, ...headline(whole) } : {}) },
    passes: options.passes,
  };
}
