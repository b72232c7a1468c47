import type { BackendName } from '../backends/backend.js';
import type { MeasureSettings } from '../files/schemas.js';
import { implementationFormulas } from '../formulas.js';
import type { PlannedGroup } from './expand.js';

/**
 * Rough sustained FLOP/s per backend for estimates only (wasm measured on this project's 2-core build
 * machines; the GPU figures from DESIGN.md §7's tfjs-webgpu matmul). Measured results never use these.
 */
const NOMINAL_FLOPS: Record<BackendName, number> = { cpu: 0.5e9, wasm: 4e9, webgpu: 5e10, tensorflow: 5e10, torch: 5e10 };
/** Fixed cost of one call (dispatch, data download), in ms. */
const CALL_OVERHEAD_MS = 0.3;

/**
 * Estimated wall time of a sweep before it runs: per group, the equivalence gate, warm-up, sampling
 * (bounded by maxSamples and the time budget) and the memory pass, from each implementation's
 * executed FLOPs at a nominal rate. An estimate for the editor, labelled as such there.
 */
export function estimateSweepMs(groups: PlannedGroup[], settings: MeasureSettings): number {
  let total = 0;
  for (const g of groups) {
    if (!g.config) continue;
    const factor = g.mode === 'training' ? 3 : 1;
    const callMs = g.implementations.map(
      (i) =>
        ((factor * implementationFormulas(g.family, i.name, g.config!).executedFlops) / NOMINAL_FLOPS[g.backend]) * 1000 + CALL_OVERHEAD_MS,
    );
    const oneRound = callMs.reduce((a, b) => a + b, 0);
    const warmup = callMs.reduce((a, c) => a + Math.max(settings.warmupMs, 2 * c), 0);
    const sampling = Math.min(
      settings.maxMsPerPoint,
      oneRound * settings.maxSamples,
      Math.max(oneRound * settings.minSamples, oneRound * 10),
    );
    total += 4 * oneRound + warmup + sampling;
  }
  return Math.round(total);
}
