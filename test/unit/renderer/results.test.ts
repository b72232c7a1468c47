import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useResultsStore } from '../../../renderer/stores/results';
import { point, results, SMALL_RESULTS } from './fake-api';

describe('useResultsStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('shows results on their first view with the charts of engine/report, and the answer first', () => {
    const store = useResultsStore();
    store.show(SMALL_RESULTS, { kind: 'file', name: 'a.sweep.json' });
    expect(store.view).toEqual({ family: 'bottleneck', mode: 'inference', backend: 'wasm', axis: 'groups', hold: {} });
    expect(store.charts.map((c) => c.id)).toEqual(['latency', 'speedup', 'memory', 'params', 'flops', 'memoryResidual', 'flopsResidual']);
    expect(store.cards).toHaveLength(1);
    expect(store.cards[0]).toMatchObject({ family: 'bottleneck', kind: 'pays', crossoverGroups: 2 });
    expect(store.seriesNames).toEqual(['serial.branchLoop', 'parallel.im2colBatchedMatmul']);
    expect(store.summary[0]?.best?.implementation).toBe('parallel.im2colBatchedMatmul');
  });

  it('holds the other swept keys at their largest value, or draws a line per value', () => {
    const store = useResultsStore();
    const at = (batch: number, impl: string, groups: number, ms: number, speedup?: number) => {
      const p = point(impl, groups, ms, speedup ? { speedup } : {});
      return { ...p, key: `${p.key}|b${batch}`, config: { ...p.config, batch } };
    };
    store.show(
      results([
        at(1, 'serial.branchLoop', 2, 2),
        at(1, 'parallel.im2colBatchedMatmul', 2, 1, 2),
        at(1, 'serial.branchLoop', 4, 4),
        at(1, 'parallel.im2colBatchedMatmul', 4, 1, 4),
        at(8, 'serial.branchLoop', 2, 9),
        at(8, 'parallel.im2colBatchedMatmul', 2, 3, 3),
      ]),
      { kind: 'file', name: 'h.sweep.json' },
    );
    expect(store.view?.hold).toEqual({ batch: 8 });
    expect(store.holds).toEqual([{ key: 'batch', values: [1, 8] }]);
    expect(store.seriesNames).toEqual(['serial.branchLoop', 'parallel.im2colBatchedMatmul']);
    store.holdAt('batch', 1);
    expect(store.charts.find((c) => c.id === 'latency')?.series[0]?.points).toEqual([
      { x: 2, y: 2 },
      { x: 4, y: 4 },
    ]);
    store.holdAt('batch', undefined);
    expect(store.seriesNames).toEqual([
      'serial.branchLoop · batch=1',
      'serial.branchLoop · batch=8',
      'parallel.im2colBatchedMatmul · batch=1',
      'parallel.im2colBatchedMatmul · batch=8',
    ]);
  });

  it('never shows a non-equivalent point as a speedup', () => {
    const store = useResultsStore();
    const bad = point('parallel.im2colBatchedMatmul', 4, 1, { relErr: 0.3 });
    store.show(results([point('serial.branchLoop', 4, 4), bad]), { kind: 'file', name: 'b.sweep.json' });
    expect(store.speedupOf(bad).speedup).toBeUndefined();
    expect(store.speedupOf(bad).flagged).toContain('not equivalent');
    const speedup = store.charts.find((c) => c.id === 'speedup');
    expect(speedup?.series.find((s) => s.name === 'parallel.im2colBatchedMatmul')?.points).toEqual([]);
    expect(speedup?.series.find((s) => s.name === 'not equivalent')?.points[0]?.flagged).toContain('not equivalent');
  });

  it('completes a partial view choice and pins it while live points arrive', () => {
    const store = useResultsStore();
    const train = [point('serial.branchLoop', 2, 3, { mode: 'training' }), point('serial.branchLoop', 4, 5, { mode: 'training' })];
    store.show(results([...SMALL_RESULTS.points, ...train]), { kind: 'run', runId: 'r', name: 'unit' });
    store.chooseView({ mode: 'training' });
    expect(store.view).toMatchObject({ mode: 'training', axis: 'groups' });
    store.updateRun('r', results([...SMALL_RESULTS.points, ...train, point('parallel.im2colBatchedMatmul', 8, 1)]), undefined, true);
    expect(store.view?.mode).toBe('training');
    // An update from a run that is no longer shown changes nothing.
    store.show(SMALL_RESULTS, { kind: 'file', name: 'c.sweep.json' });
    store.updateRun('r', results([]), undefined, true);
    expect(store.results).toBe(SMALL_RESULTS);
  });

  it('hides and shows series, with the memory and parameter lines of the same implementation', () => {
    const store = useResultsStore();
    store.show(SMALL_RESULTS, { kind: 'file', name: 'a.sweep.json' });
    store.toggleSeries('serial.branchLoop');
    expect(store.hiddenSeries).toEqual(['serial.branchLoop']);
    store.toggleSeries('serial.branchLoop', true);
    expect(store.hiddenSeries).toEqual([]);
  });

  it('selects a point for the detail', () => {
    const store = useResultsStore();
    store.show(SMALL_RESULTS, { kind: 'file', name: 'a.sweep.json' });
    const key = SMALL_RESULTS.points[1]!.key;
    store.select(key);
    expect(store.selectedPoint?.implementation).toBe('parallel.im2colBatchedMatmul');
    store.show(SMALL_RESULTS, { kind: 'file', name: 'other.sweep.json' });
    expect(store.selectedPoint).toBeUndefined();
  });
});
