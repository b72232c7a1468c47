import { describe, expect, it } from 'vitest';
import { summarizeResults, summaryLines, summaryRows, summaryTable } from '../../../engine/report/summary.js';
import type { PointRecord, SweepResults } from '../../../engine/files/schemas.js';
import { verdictOf } from '../../../engine/stats/paired.js';
import { BLOCKDIAG, IM2COL, SERIAL, fixture, withTwin } from './fixture.js';

/** A synthetic sweep: parallel points with the given speedup intervals at groups × batch. */
function sweep(
  cells: { impl?: string; groups: number; batch?: number; s: number; lo: number; hi: number; pass?: boolean }[],
): SweepResults {
  const points: PointRecord[] = [];
  const seen = new Set<string>();
  for (const c of cells) {
    const config = { groups: c.groups, batch: c.batch ?? 1, channels: 8 };
    const base = { family: 'replicate', mode: 'inference', backend: 'wasm', config, status: 'ok', finishedAt: 'now' } as const;
    const serialKey = JSON.stringify(config);
    if (!seen.has(serialKey)) {
      seen.add(serialKey);
      points.push({ ...base, key: `s${serialKey}`, implementation: 'serial.concatLoop', role: 'serial' });
    }
    const impl = c.impl ?? 'parallel.tile';
    points.push({
      ...base,
      key: `${impl}${serialKey}`,
      implementation: impl,
      role: 'parallel',
      baseline: 'serial.concatLoop',
      equivalence: { relErr: c.pass === false ? 1 : 0, maxAbs: 0, pass: c.pass !== false, tolerance: 1e-5, seed: 1 },
      ...(c.pass === false ? {} : { speedup: c.s, speedupLow: c.lo, speedupHigh: c.hi, verdict: verdictOf(c.lo, c.hi) }),
    });
  }
  return { ...fixture, points };
}

const only = (r: SweepResults) => summarizeResults(r)[0]!;

describe('summarizeResults', () => {
  it('summarises each family × mode × backend', () => {
    expect(summarizeResults(fixture).map((s) => `${s.family}/${s.mode}/${s.backend}`)).toEqual([
      'bottleneck/inference/wasm',
      'gmp/inference/wasm',
    ]);
  });

  it('never claims a crossover at groups = 1: that is the control, the fused form’s overhead', () => {
    const s = only(
      sweep([
        { groups: 1, s: 3, lo: 2.8, hi: 3.2 },
        { groups: 2, s: 0.9, lo: 0.85, hi: 0.95 },
        { groups: 4, s: 1.5, lo: 1.4, hi: 1.6 },
      ]),
    );
    expect(s.crossover).toMatchObject({ kind: 'found', groups: 4, implementation: 'parallel.tile', speedup: 1.5 });
    expect(s.control).toMatchObject({ implementation: 'parallel.tile', speedup: 3, at: { groups: 1 } });
    expect(s.note).toMatch(
      /^fusing pays from groups ≥ 4: parallel\.tile ×1\.5 \[1\.4–1\.6\] at groups=4; control at groups=1 .*: parallel\.tile ×3 \[2\.8–3\.2\]/,
    );
  });

  it('needs the parallel form faster at g and at every larger g (monotone), not at one lucky point', () => {
    const s = only(
      sweep([
        { groups: 2, s: 1.3, lo: 1.2, hi: 1.4 },
        { groups: 4, s: 0.8, lo: 0.7, hi: 0.9 },
        { groups: 8, s: 1.2, lo: 1.1, hi: 1.3 },
        { groups: 12, s: 1.4, lo: 1.3, hi: 1.5 },
      ]),
    );
    expect(s.crossover).toMatchObject({ kind: 'found', groups: 8 });
  });

  it('is undecided where the verdicts are within noise, and says never where every fused point is slower', () => {
    const noisy = only(
      sweep([
        { groups: 2, s: 1.05, lo: 0.9, hi: 1.2 },
        { groups: 4, s: 1.1, lo: 0.95, hi: 1.3 },
      ]),
    );
    expect(noisy.crossover).toEqual({ kind: 'undecided' });
    expect(noisy.note).toMatch(/^undecided: within noise \(×1\.05–1\.1\)/);
    const slower = only(
      sweep([
        { groups: 2, s: 0.5, lo: 0.4, hi: 0.6 },
        { groups: 4, s: 0.8, lo: 0.7, hi: 0.9 },
      ]),
    );
    expect(slower.crossover).toEqual({ kind: 'never' });
    expect(slower.note).toMatch(/^fusing never pays at groups ≥ 2 \(×0\.5–0\.8\)/);
  });

  it('gives each slice of the other swept axes its own crossover; the headline is the largest slice', () => {
    const s = only(
      sweep([
        { groups: 2, batch: 1, s: 0.8, lo: 0.7, hi: 0.9 },
        { groups: 4, batch: 1, s: 1.2, lo: 1.1, hi: 1.3 },
        { groups: 2, batch: 8, s: 1.5, lo: 1.4, hi: 1.6 },
        { groups: 4, batch: 8, s: 2, lo: 1.9, hi: 2.1 },
      ]),
    );
    expect(s.slices.map((x) => [x.slice, x.crossover.kind === 'found' ? x.crossover.groups : x.crossover.kind])).toEqual([
      [{ batch: 1 }, 4],
      [{ batch: 8 }, 2],
    ]);
    expect(s.crossover).toMatchObject({ kind: 'found', groups: 2, at: { batch: 8 } });
    expect(s.note).toMatch(/; other slices: from groups=4 \(1 of 1\)$/);
  });

  it('picks as best the point with the highest lower bound, not the luckiest median', () => {
    const s = only(
      sweep([
        { groups: 2, s: 5, lo: 0.9, hi: 20 },
        { groups: 4, s: 2, lo: 1.9, hi: 2.1 },
      ]),
    );
    expect(s.best).toMatchObject({ implementation: 'parallel.tile', speedup: 2, at: { groups: 4 } });
  });

  it('counts no non-equivalent implementation: the fast block-diagonal point at groups 2 is left out', () => {
    const s = summarizeResults(fixture).find((x) => x.family === 'bottleneck')!;
    expect(s.disqualified).toEqual([BLOCKDIAG]);
    expect(s.nonEquivalent.map((p) => [p.implementation, p.config.groups, p.config.batch])).toEqual([[BLOCKDIAG, 2, 2]]);
    // im2col: slower at groups 2, faster at groups 4 (batch 1); at batch 2 its groups-4 point is invalid.
    expect(s.slices.map((x) => x.crossover.kind)).toEqual(['found', 'never']);
    expect(s.slices[0]!.crossover).toMatchObject({ groups: 4, implementation: IM2COL });
    expect(s.best?.implementation).toBe(IM2COL);
    expect(s.statusCounts).toEqual({ ok: 16, invalid: 1, error: 1, cancelled: 0 });
  });

  it('says groups not swept where groups is fixed, and still answers with the best point', () => {
    const gmp = summarizeResults(fixture).find((s) => s.family === 'gmp')!;
    expect(gmp.crossover).toEqual({ kind: 'groups-not-swept' });
    expect(gmp.best?.implementation).toBe('parallel.fusedMax');
    expect(gmp.note).toMatch(/^fusing pays: best parallel\.fusedMax ×3\.\d+ \[/);
  });
});

describe('backends side by side', () => {
  it('says where backends disagree about whether fusing pays, for the same implementation and config', () => {
    const one = sweep([{ groups: 12, s: 2.07, lo: 2, hi: 2.1 }]);
    const other = sweep([{ groups: 12, s: 1.01, lo: 0.97, hi: 1.05 }]);
    const both: SweepResults = {
      ...one,
      points: [...one.points, ...other.points.map((p) => ({ ...p, key: `w${p.key}`, backend: 'webgpu' as const }))],
    };
    const rows = summarizeResults(both);
    expect(rows.map((r) => r.backend)).toEqual(['wasm', 'webgpu']);
    for (const r of rows) {
      expect(r.disagreements).toHaveLength(1);
      expect(r.note).toContain(
        'backends disagree: parallel.tile faster on wasm ×2.07 [2–2.1] but within-noise on webgpu ×1.01 [0.97–1.05]',
      );
    }
    expect(summarizeResults(one)[0]!.disagreements).toEqual([]);
  });
});

describe('summary outputs', () => {
  it('report JSON rows: best and crossover with intervals, or null, and the note', () => {
    const rows = summaryRows(fixture);
    expect(rows[0]).toMatchObject({
      family: 'bottleneck',
      mode: 'inference',
      backend: 'wasm',
      best: { implementation: IM2COL },
      crossover: null,
    });
    expect(Object.keys(rows[0]!.best!).sort()).toEqual(['implementation', 'speedup', 'speedupHigh', 'speedupLow']);
    expect(rows[0]!.note).toContain('fusing never pays');
  });

  it('terminal lines and table say the same as the note', () => {
    const s = summarizeResults(fixture)[0]!;
    expect(summaryLines(fixture).slice(0, 3)).toEqual([
      'bottleneck · inference · wasm',
      `  ${s.note}`,
      '  points: 16 ok, 1 invalid, 1 error',
    ]);
    const { header, rows } = summaryTable(fixture);
    expect(header).toEqual(['family', 'mode', 'backend', 'answer', 'ok', 'invalid', 'error', 'cancelled', 'not equivalent']);
    expect(rows[0]).toEqual(['bottleneck', 'inference', 'wasm', s.note, '16', '1', '1', '0', '1']);
    expect(s.note).toContain(SERIAL === 'serial.branchLoop' ? 'non-equivalent' : '');
  });

  it('where the best form is judged against a serial twin, also says how it does against the loop as written', () => {
    const gmp = summarizeResults(withTwin()).find((s) => s.family === 'gmp')!;
    expect(gmp.best).toMatchObject({ implementation: 'parallel.maxPoolReshape', verdict: 'faster' });
    expect(gmp.best!.speedup).toBeCloseTo(5, 0);
    expect(gmp.bestAgainstReference).toMatchObject({ reference: 'serial.sliceMaxLoop', verdict: 'faster' });
    expect(gmp.bestAgainstReference!.speedup).toBeCloseTo(1.2, 1);
    expect(gmp.note).toMatch(/parallel\.maxPoolReshape against serial\.sliceMaxLoop as written: ×1\.2\d* \[/);
    // Judged against the reference itself: nothing more to say.
    expect(summarizeResults(fixture).find((s) => s.family === 'gmp')!.bestAgainstReference).toBeUndefined();
  });
});
