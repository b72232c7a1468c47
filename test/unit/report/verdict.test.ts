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
    // The crossover's own figure first, then the best: never one figure for both.
    expect(card!.headline).toBe('Fusing pays from g ≥ 4: ×1.6 [1.55–1.65] at g=4, up to ×2.3 [2.2–2.4] at g=8');
    expect(card!.details).toContain('memory ×2.5 (+150 MiB) vs serial.concatLoop');
    expect(card!.details).toContain('same function (max rel. err 3e-7)');
    // g = 1 is a speedup like any other, not an "overhead".
    expect(card!.details).toContain("at g=1, nothing to fuse: ×0.8 [0.78–0.82] (the fused form's own cost)");
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
    expect(undecided.headline).toBe('Undecided: within noise at every g (×0.99–1.01)');
  });

  it('a range wholly below 1 is not "within noise": fusing does not pay, by verdict per g', () => {
    const card = verdictCards(
      sweep([
        { groups: 2, s: 0.0101, lo: 0.009, hi: 0.011 },
        { groups: 4, s: 0.779, lo: 0.5, hi: 1.2 },
      ]),
    )[0]!;
    expect(card.kind).toBe('costs');
    expect(card.headline).toBe('Fusing does not pay here: slower at g = 2; within noise at g = 4 (×0.0101–0.779)');
  });

  it('says what the chart shows where faster and slower points mix, never "within noise"', () => {
    const card = verdictCards(
      sweep([
        { groups: 2, s: 0.5, lo: 0.45, hi: 0.55 },
        { groups: 4, s: 1.9, lo: 1.8, hi: 2 },
        { groups: 8, s: 0.7, lo: 0.65, hi: 0.75 },
      ]),
    )[0]!;
    expect(card.kind).toBe('undecided');
    expect(card.headline).toBe('Undecided: faster at g = 4; slower at g = 2, 8 (×0.5–1.9)');
  });

  it('a run in flight or cut short names the groups still to measure, never "No answer" or "within noise"', () => {
    const partial = (cells: Parameters<typeof sweep>[0]): SweepResults => {
      const r = sweep(cells);
      return { ...r, complete: false, profile: { ...r.profile, families: ['replicate'], axes: { groups: [1, 2, 4, 8, 12, 16] } } };
    };
    const cells = [
      { groups: 1, s: 1, lo: 0.95, hi: 1.05 },
      { groups: 2, s: 0.0101, lo: 0.009, hi: 0.011 },
      { groups: 4, s: 1.9, lo: 1.8, hi: 2 },
      { groups: 8, s: 1.1, lo: 0.5, hi: 4.24 },
    ];
    const live = verdictCards(partial(cells), undefined, { live: true })[0]!;
    expect(live.kind).toBe('pending');
    expect(live.pending).toEqual([12, 16]);
    expect(live.headline).toBe('Measuring g = 12, 16; so far faster at g = 4; slower at g = 2; within noise at g = 8');
    const cancelled = verdictCards(partial(cells))[0]!;
    expect(cancelled.headline).toBe('Not measured g = 12, 16; so far faster at g = 4; slower at g = 2; within noise at g = 8');
    // 0.8 s into a run: nothing counted yet.
    const first = verdictCards(partial([]), undefined, { live: true });
    expect(first).toEqual([]);
    const serialOnly = partial([{ groups: 1, s: 1, lo: 0.95, hi: 1.05 }]);
    const early = verdictCards({ ...serialOnly, points: serialOnly.points.filter((p) => p.role === 'serial') }, undefined, {
      live: true,
    })[0]!;
    expect(early.kind).toBe('pending');
    expect(early.headline).toBe('Measuring g = 2, 4, 8, 12, 16; no speedup yet');
    // A crossover found so far keeps its answer and says what is still to come.
    const pays = verdictCards(partial([...cells.slice(0, 3), { groups: 8, s: 4.24, lo: 4, hi: 4.5 }]), undefined, { live: true })[0]!;
    expect(pays.kind).toBe('pays');
    expect(pays.headline).toBe('Fusing pays from g ≥ 4: ×1.9 [1.8–2] at g=4, up to ×4.24 [4–4.5] at g=8 (measuring: g = 12, 16)');
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

  it('where backends answer otherwise, each card says so and names the fused form each runs', () => {
    const on = (backend: 'wasm' | 'torch', s: number, primitive: string) =>
      sweep([
        { groups: 2, s, lo: s * 0.95, hi: s * 1.05 },
        { groups: 4, s, lo: s * 0.95, hi: s * 1.05 },
      ]).points.map((p) => ({ ...p, backend, key: `${backend}-${p.key}`, ...(p.role === 'parallel' ? { primitive } : {}) }));
    const r = { ...sweep([]), points: [...on('wasm', 0.4, 'Tile'), ...on('torch', 2, 'Tensor.repeat')] };
    const [wasm, torch] = verdictCards(r);
    expect(wasm!.kind).toBe('never');
    expect(torch!.kind).toBe('pays');
    expect(wasm!.otherBackends).toEqual([
      'on torch: fusing pays ×2 [1.9–2.1] with parallel.tile (Tensor.repeat); here parallel.tile (Tile)',
    ]);
    expect(torch!.otherBackends).toEqual([
      'on wasm: fusing never pays ×0.4 [0.38–0.42] with parallel.tile (Tile); here parallel.tile (Tensor.repeat)',
    ]);
  });

  it('counts a ragged grouping’s branches as groups: class-linear’s card says from which groups fusing pays', () => {
    const lists = [[5], [5, 3], [5, 3, 4, 2], [5, 3, 4, 2, 6, 3, 2, 4]];
    const speed = [1, 0.8, 1.6, 2.4];
    const points: PointRecord[] = lists.flatMap((classesPerGroup, i) => {
      const config = { batch: 1, classesPerGroup, groupChannels: 32, classChannels: 16 };
      const base = { family: 'class-linear', mode: 'inference', backend: 'wasm', config, status: 'ok', finishedAt: 'now' } as const;
      const s = speed[i]!;
      return [
        { ...base, key: `s${i}`, implementation: 'serial.perClassLoop', role: 'serial' as const },
        {
          ...base,
          key: `p${i}`,
          implementation: 'parallel.gatherBatchedMatmul',
          role: 'parallel' as const,
          baseline: 'serial.perClassLoop',
          equivalence: { relErr: 1e-7, maxAbs: 1e-7, pass: true, tolerance: 1e-5, seed: 1 },
          speedup: s,
          speedupLow: s * 0.95,
          speedupHigh: s * 1.05,
          verdict: verdictOf(s * 0.95, s * 1.05),
        },
      ];
    });
    const [card] = verdictCards({ ...fixture, points });
    expect(card!.kind).toBe('pays');
    expect(card!.crossoverGroups).toBe(4);
    expect(card!.headline).toBe('Fusing pays from g ≥ 4: ×1.6 [1.52–1.68] at g=4, up to ×2.4 [2.28–2.52] at g=8');
  });
});
