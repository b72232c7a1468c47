import { describe, expect, it } from 'vitest';
import { verdictCards, verdictText } from '../../../engine/report/verdict.js';
import { summarizeResults } from '../../../engine/report/summary.js';
import type { PointRecord, SweepResults } from '../../../engine/files/schemas.js';
import { verdictOf } from '../../../engine/stats/paired.js';
import { fixture, withTwin } from './fixture.js';

/** Serial and parallel points at each groups value, with the given parallel speedup interval and peaks. */
function sweep(cells: { groups: number; s: number; lo: number; hi: number; busy?: boolean }[], serialBytes = 100 << 20): SweepResults {
  const points: PointRecord[] = [];
  for (const c of cells) {
    const config = { groups: c.groups, batch: 1, channels: 8 };
    const base = { family: 'replicate', mode: 'inference', backend: 'wasm', config, status: 'ok', finishedAt: 'now' } as const;
    const memory = (peakBytes: number) => ({ peakBytes, source: 'wasm-heap' as const, newTensors: 1, kernelCount: 1, kernels: [] });
    const machine = { loadAvg1: 0.5, busy: c.busy === true };
    points.push({
      ...base,
      key: `s${c.groups}`,
      implementation: 'serial.concatLoop',
      role: 'serial',
      memory: memory(serialBytes),
      machine,
    });
    points.push({
      ...base,
      key: `p${c.groups}`,
      implementation: 'parallel.tile',
      role: 'parallel',
      baseline: 'serial.concatLoop',
      memory: memory(serialBytes * 2.5),
      machine,
      equivalence: { relErr: 3e-7, maxAbs: 1e-6, pass: true, tolerance: 1e-5, seed: 1 },
      speedup: c.s,
      speedupLow: c.lo,
      speedupHigh: c.hi,
      verdict: verdictOf(c.lo, c.hi),
    });
  }
  return { ...fixture, profile: { ...fixture.profile, measure: { ...fixture.profile.measure, targetCiWidth: 0.1 } }, points };
}

describe('verdictCards', () => {
  it('answers first: where fusing pays, by how much with its interval, at what memory, and that it is the same function', () => {
    const r = sweep([
      { groups: 1, s: 0.8, lo: 0.78, hi: 0.82 },
      { groups: 2, s: 0.97, lo: 0.93, hi: 1.02 },
      { groups: 4, s: 1.6, lo: 1.55, hi: 1.65 },
      { groups: 8, s: 2.3, lo: 2.2, hi: 2.4 },
    ]);
    const [card] = verdictCards(r);
    expect(card!.kind).toBe('pays');
    expect(card!.crossoverGroups).toBe(summarizeResults(r)[0]!.crossover.kind === 'found' ? 4 : -1);
    expect(card!.headline).toBe('Fusing pays from g ≥ 4: ×2.3 [2.2–2.4] at g=8');
    expect(card!.details).toContain('memory ×2.5 (+150 MiB) vs serial.concatLoop');
    expect(card!.details).toContain('same function (max rel. err 3e-7)');
    expect(card!.details.some((d) => d.startsWith('overhead at g=1 ×0.8'))).toBe(true);
    expect(card!.quality.level).toBe('good');
    expect(verdictText(card!)).toMatch(/^Fusing pays from g ≥ 4: .* · parallel\.tile \(faster\) · memory ×2\.5/);
  });

  it('says never pays in this range, with the range, and undecided where the intervals straddle 1', () => {
    const never = verdictCards(
      sweep([
        { groups: 2, s: 0.4, lo: 0.38, hi: 0.42 },
        { groups: 4, s: 0.9, lo: 0.88, hi: 0.92 },
      ]),
    )[0]!;
    expect(never.kind).toBe('never');
    expect(never.headline).toBe('Fusing never pays in this range (×0.4–0.9)');
    const undecided = verdictCards(
      sweep([
        { groups: 2, s: 1.01, lo: 0.95, hi: 1.08 },
        { groups: 4, s: 0.99, lo: 0.9, hi: 1.1 },
      ]),
    )[0]!;
    expect(undecided.kind).toBe('undecided');
    expect(undecided.headline).toBe('Undecided: within noise (×0.99–1.01)');
  });

  it('rates the figures: wide intervals and busy points lower the quality badge', () => {
    const wide = verdictCards(
      sweep([
        { groups: 2, s: 2, lo: 1.2, hi: 3.3, busy: true },
        { groups: 4, s: 2, lo: 1.92, hi: 2.08 },
      ]),
    )[0]!;
    expect(wide.quality.overTarget).toBe(1);
    expect(wide.quality.busyPoints).toBe(2);
    expect(wide.quality.level).toBe('poor');
    // Both points of the busy config (serial and parallel) were measured while the machine was busy.
    expect(wide.quality.text).toMatch(
      /^intervals ±\d.*% \(widest ±\d.*%\) · 1 of 2 wider than the target · 2 measured while the machine was busy$/,
    );
  });

  it('gives one card per family × mode × backend of the summary, in its order', () => {
    const cards = verdictCards(fixture);
    expect(cards.map((c) => `${c.family}/${c.mode}/${c.backend}`)).toEqual(
      summarizeResults(fixture).map((s) => `${s.family}/${s.mode}/${s.backend}`),
    );
    for (const c of cards) expect(c.headline.length).toBeGreaterThan(10);
  });

  it('a card judged against a serial twin also gives the speed against the loop as written', () => {
    const card = verdictCards(withTwin()).find((c) => c.family === 'gmp')!;
    expect(card.figure?.implementation).toBe('parallel.maxPoolReshape');
    expect(card.headline).toMatch(/^Fusing pays: ×5\.\d+ \[.*\] at channels=64 over serial\.sliceMaxPoolLoop$/);
    expect(card.details.some((d) => /^against serial\.sliceMaxLoop as written ×1\.2\d* \[.*\] \(faster\)$/.test(d))).toBe(true);
  });
});
