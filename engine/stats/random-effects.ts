/**
 * Speedups across passes (DESIGN.md §4.9). A point group is measured in several passes, each in a fresh
 * process; a pass gives a paired speedup with its within-pass interval. What a user reruns is a new
 * process, so the interval must hold the variance between passes too. Two to five passes are too few
 * to estimate that variance on its own (a t interval on two passes is ×12.7 its spread), so it is a
 * normal random-effects model: ln(speedup of pass p) ~ N(μ, τ² + w_p²), w_p the pass's own standard
 * error, τ the between-pass spread, with a half-Cauchy prior on τ (Gelman 2006: heavy-tailed, so passes
 * that disagree widely are believed over the prior) and a flat one on μ. The interval is the 95%
 * posterior interval of μ, integrated over τ on a logarithmic grid. Pure: no Node, no TensorFlow.js.
 */
import { CONFIDENCE, verdictOf, type SpeedupEstimate } from './paired.js';

/** One pass's paired speedup and its within-pass 95% interval. */
export interface PassSpeedup {
  speedup: number;
  speedupLow: number;
  speedupHigh: number;
}

/** A speedup combined over passes: the estimate, its interval, and what the passes said. */
export interface CombinedSpeedup extends SpeedupEstimate {
  passes: number;
  /** Standard deviation of ln(speedup) between passes (two passes or more). */
  betweenPassSd?: number;
  /** The passes agree within their own intervals (Cochran's Q below its 95% point). */
  agree: boolean;
}

/**
 * Scale (median) of the half-Cauchy prior on τ, the between-pass standard deviation of ln(speedup):
 * passes of one point in processes of their own typically differ by about a per cent, now and then by
 * far more (docs/measurement.md has the figures it was chosen from).
 */
export const BETWEEN_PASS_PRIOR_SCALE = 0.02;
/** A pass's standard error is never taken below this (a bootstrap of identical ratios has zero width). */
const MIN_PASS_SE = 1e-4;
/** τ is integrated over [TAU_MIN, TAU_MAX] on a logarithmic grid of GRID points. */
const GRID = 400;
const TAU_MIN = 1e-5;
const TAU_MAX = 10;
const Z95 = 1.959963984540054;
/** 95% points of χ² with 1…19 degrees of freedom, for Cochran's Q. */
const CHI2_95 = [
  3.841, 5.991, 7.815, 9.488, 11.07, 12.592, 14.067, 15.507, 16.919, 18.307, 19.675, 21.026, 22.362, 23.685, 24.996, 26.296, 27.587, 28.869,
  30.144,
];

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** ln(speedup) of each pass and its standard error, from the pass's 95% interval. */
function onLogScale(passes: readonly PassSpeedup[]): { m: number[]; w2: number[] } {
  return {
    m: passes.map((p) => Math.log(p.speedup)),
    w2: passes.map((p) => Math.max(MIN_PASS_SE, Math.log(p.speedupHigh / p.speedupLow) / (2 * Z95)) ** 2),
  };
}

/** Whether the passes agree within their own intervals: Cochran's Q ≤ the 95% point of χ² with k − 1 degrees of freedom. */
export function passesAgree(passes: readonly PassSpeedup[]): boolean {
  if (passes.length < 2) return true;
  const { m, w2 } = onLogScale(passes);
  const u = w2.map((v) => 1 / v);
  const total = u.reduce((a, b) => a + b, 0);
  const mean = m.reduce((a, x, i) => a + u[i]! * x, 0) / total;
  const q = m.reduce((a, x, i) => a + u[i]! * (x - mean) ** 2, 0);
  return q <= CHI2_95[Math.min(passes.length - 2, CHI2_95.length - 1)]!;
}

/**
 * Combines passes into one speedup: the posterior median of μ and its 95% interval under the
 * random-effects model above, a verdict from the whole interval, the between-pass SD.
 *
 * @example combinePasses([{ speedup: 2, speedupLow: 1.9, speedupHigh: 2.1 }, { speedup: 2.2, speedupLow: 2.1, speedupHigh: 2.3 }]).verdict // 'faster'
 */
export function combinePasses(passes: readonly PassSpeedup[], rounds: number, priorScale = BETWEEN_PASS_PRIOR_SCALE): CombinedSpeedup {
  if (passes.length === 0) throw new RangeError('combinePasses needs at least one pass');
  const { m, w2 } = onLogScale(passes);
  // Posterior over τ on a log grid (dτ = τ·d ln τ); μ given τ is normal (flat prior), so μ's posterior is a mixture.
  const mu: number[] = [];
  const sd: number[] = [];
  const logWeight: number[] = [];
  const step = Math.log(TAU_MAX / TAU_MIN) / (GRID - 1);
  for (let j = 0; j < GRID; j++) {
    const tau = TAU_MIN * Math.exp(j * step);
    const u = w2.map((v) => 1 / (tau * tau + v));
    const total = u.reduce((a, b) => a + b, 0);
    const mean = m.reduce((a, x, i) => a + u[i]! * x, 0) / total;
    const misfit = m.reduce((a, x, i) => a + u[i]! * (x - mean) ** 2, 0);
    const logDet = u.reduce((a, x) => a + Math.log(x), 0);
    mu.push(mean);
    sd.push(Math.sqrt(1 / total));
    const logPrior = -Math.log1p((tau / priorScale) ** 2);
    logWeight.push(logPrior + Math.log(tau) - 0.5 * Math.log(total) + 0.5 * logDet - 0.5 * misfit);
  }
  const top = Math.max(...logWeight);
  const weight = logWeight.map((l) => Math.exp(l - top));
  const mass = weight.reduce((a, b) => a + b, 0);
  const cdf = (x: number) => weight.reduce((a, wj, j) => a + wj * normalCdf((x - mu[j]!) / sd[j]!), 0) / mass;
  const widest = Math.max(...sd);
  const lo = Math.min(...mu) - 10 * widest;
  const hi = Math.max(...mu) + 10 * widest;
  const quantileOf = (q: number) => {
    let a = lo;
    let b = hi;
    for (let i = 0; i < 60; i++) {
      const mid = (a + b) / 2;
      if (cdf(mid) < q) a = mid;
      else b = mid;
    }
    return (a + b) / 2;
  };
  const alpha = 1 - CONFIDENCE;
  const speedupLow = Math.exp(quantileOf(alpha / 2));
  const speedupHigh = Math.exp(quantileOf(1 - alpha / 2));
  const meanLn = m.reduce((a, b) => a + b, 0) / m.length;
  const betweenPassSd = m.length >= 2 ? Math.sqrt(m.reduce((a, x) => a + (x - meanLn) ** 2, 0) / (m.length - 1)) : undefined;
  return {
    speedup: Math.exp(quantileOf(0.5)),
    speedupLow,
    speedupHigh,
    verdict: verdictOf(speedupLow, speedupHigh),
    rounds,
    passes: passes.length,
    ...(betweenPassSd !== undefined ? { betweenPassSd } : {}),
    agree: passesAgree(passes),
  };
}
