import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../../../renderer/api';
import { useSweepStore } from '../../../renderer/stores/sweep';
import { useResultsStore } from '../../../renderer/stores/results';
import { useEnvironmentStore } from '../../../renderer/stores/environment';
import { fakeApi, point, PROFILE, results, settle, type FakeApi } from './fake-api';
import type { RunSnapshot } from '../../../main/api';
import { HostError } from '../../../renderer/api/reply';
import { useEditorStore } from '../../../renderer/stores/editor';

describe('useSweepStore', () => {
  let api: FakeApi;

  beforeEach(async () => {
    api = fakeApi();
    installApi(api);
    setActivePinia(createPinia());
    await useEnvironmentStore().load();
  });

  it('keeps the field a refused start names, and the editor marks it (error kinds and fields reach the UI)', async () => {
    const sweep = useSweepStore();
    vi.mocked(api.startSweep).mockRejectedValueOnce(
      new HostError('families[0]: gmp has no torch implementations', 'config', 'families[0]'),
    );
    expect(await sweep.start(PROFILE)).toBe(false);
    expect(sweep.errorField).toBe('families[0]');
    const editor = useEditorStore();
    const field = editor.markHostError(sweep.errorField!, sweep.error!);
    expect(Object.keys(editor.fieldErrors)).toContain(field);
  });

  it('starts a run, follows its progress and fills the results live, point by point', async () => {
    const sweep = useSweepStore();
    const shown = useResultsStore();
    expect(await sweep.start(PROFILE)).toBe(true);
    expect(api.startSweep).toHaveBeenCalledWith({ profile: PROFILE });
    expect(sweep.phase).toBe('running');
    expect(shown.source).toEqual({ kind: 'run', runId: 'run-1', name: 'unit', live: true });

    api.emit({ runId: 'run-1', type: 'progress', progress: { done: 2, total: 4, etaMs: 500 } });
    expect(sweep.fraction).toBe(0.5);
    api.emit({ runId: 'run-1', type: 'point', point: point('serial.branchLoop', 2, 2) });
    api.emit({ runId: 'run-1', type: 'point', point: point('parallel.im2colBatchedMatmul', 2, 1, { speedup: 2 }) });
    expect(sweep.points).toHaveLength(2);
    expect(shown.results?.points).toHaveLength(2);
    expect(shown.results?.complete).toBe(false);
    // The live charts follow the latest point's family and hold its data.
    const latency = sweep.liveCharts.find((c) => c.id === 'latency');
    expect(latency?.series.map((s) => [s.name, s.points.map((p) => [p.x, p.y])])).toEqual([
      ['serial.branchLoop', [[2, 2]]],
      ['parallel.im2colBatchedMatmul', [[2, 1]]],
    ]);
    expect(shown.charts.find((c) => c.id === 'speedup')?.series[0]?.points).toEqual([{ x: 2, y: 2, verdict: 'faster' }]);

    const final = results([point('serial.branchLoop', 2, 2), point('parallel.im2colBatchedMatmul', 2, 1, { speedup: 2 })]);
    api.emit({ runId: 'run-1', type: 'finished', results: final, resultsPath: '/w/unit.sweep.json', complete: true });
    expect(sweep.phase).toBe('finished');
    expect(sweep.resultsPath).toBe('/w/unit.sweep.json');
    expect(shown.results).toBe(final);
    expect(shown.source).toMatchObject({ kind: 'run', path: '/w/unit.sweep.json' });
  });

  it('cancels: asks the host, and keeps every finished point, even one the final file lacks', async () => {
    const sweep = useSweepStore();
    await sweep.start(PROFILE);
    const a = point('serial.branchLoop', 2, 2);
    const b = point('parallel.im2colBatchedMatmul', 2, 1, { speedup: 2 });
    api.emit({ runId: 'run-1', type: 'point', point: a });
    api.emit({ runId: 'run-1', type: 'point', point: b });
    await sweep.cancel();
    expect(api.cancelSweep).toHaveBeenCalledWith('run-1');
    expect(sweep.phase).toBe('cancelling');
    api.emit({ runId: 'run-1', type: 'finished', results: results([a], false), resultsPath: '/w/u.sweep.json', complete: false });
    expect(sweep.phase).toBe('cancelled');
    expect(sweep.points.map((p) => p.key)).toEqual([a.key, b.key]);
    expect(useResultsStore().results?.points).toHaveLength(2);
    expect(useResultsStore().results?.complete).toBe(false);
  });

  it('ignores other runs’ events and replays events that came before the run id', async () => {
    let started: ((v: { runId: string }) => void) | undefined;
    vi.mocked(api.startSweep).mockImplementationOnce(() => new Promise((ok) => (started = ok)));
    const sweep = useSweepStore();
    const starting = sweep.start(PROFILE);
    expect(sweep.phase).toBe('starting');
    api.emit({ runId: 'run-1', type: 'point', point: point('serial.branchLoop', 2, 2) });
    api.emit({ runId: 'other', type: 'point', point: point('serial.branchLoop', 4, 9) });
    started?.({ runId: 'run-1' });
    await starting;
    expect(sweep.points).toHaveLength(1);
    api.emit({ runId: 'other', type: 'failed', message: 'not ours' });
    expect(sweep.phase).toBe('running');
  });

  it('reports a failed run and a run that could not start', async () => {
    const sweep = useSweepStore();
    await sweep.start(PROFILE);
    api.emit({ runId: 'run-1', type: 'failed', message: 'the engine exited unexpectedly (code 1)' });
    expect(sweep.phase).toBe('failed');
    expect(sweep.error).toBe('the engine exited unexpectedly (code 1)');

    vi.mocked(api.startSweep).mockRejectedValueOnce(new Error('backend webgpu is unavailable: no adapter'));
    expect(await sweep.start(PROFILE, 'webgpu')).toBe(false);
    expect(api.startSweep).toHaveBeenLastCalledWith({ profile: PROFILE, backend: 'webgpu' });
    expect(sweep.error).toBe('The sweep could not start: backend webgpu is unavailable: no adapter');
  });

  it('shows progress by time where the host gives it, not by point count', async () => {
    const sweep = useSweepStore();
    await sweep.start(PROFILE);
    api.emit({
      runId: 'run-1',
      type: 'progress',
      progress: { done: 3, total: 4 },
      time: { elapsedMs: 1000, remainingMs: 9000, fraction: 0.1 },
    });
    expect(sweep.fraction).toBe(0.1);
    expect(sweep.time).toMatchObject({ remainingMs: 9000 });
  });

  it('after a reload, reattaches to the run the host is still running: its progress and points so far, then its events', async () => {
    const a = point('serial.branchLoop', 2, 2);
    const b = point('parallel.im2colBatchedMatmul', 2, 1, { speedup: 2 });
    vi.mocked(api.listRuns).mockResolvedValue([
      { id: 'old', name: 'unit', status: 'complete', points: 4, backends: ['wasm'] },
      { id: 'unit-abc', name: 'unit', status: 'running', points: 1, backends: ['wasm'], runId: 'live-1' },
    ]);
    let answer: ((s: RunSnapshot) => void) | undefined;
    vi.mocked(api.attachRun).mockImplementationOnce(() => new Promise((ok) => (answer = ok)));
    const sweep = useSweepStore();
    const attaching = sweep.reattach();
    await settle();
    expect(api.attachRun).toHaveBeenCalledWith('live-1');
    // A point finished while the snapshot was on its way: it is replayed after the snapshot, not lost.
    api.emit({ runId: 'live-1', type: 'point', point: b });
    answer!({
      runId: 'live-1',
      id: 'unit-abc',
      profile: PROFILE,
      startedAt: '2026-01-01T00:00:00.000Z',
      progress: { done: 1, total: 4 },
      points: [a],
    });
    expect(await attaching).toBe(true);
    expect(sweep.phase).toBe('running');
    expect(sweep.reattached).toBe(true);
    expect(sweep.folder).toBe('unit-abc');
    expect(sweep.points.map((p) => p.key)).toEqual([a.key, b.key]);
    expect(useResultsStore().source).toMatchObject({ kind: 'run', runId: 'live-1' });
    // An older progress event never moves the count back.
    api.emit({ runId: 'live-1', type: 'progress', progress: { done: 0, total: 4 } });
    expect(sweep.progress?.done).toBe(1);
    api.emit({ runId: 'live-1', type: 'finished', results: results([a, b]), resultsPath: '/w/unit.sweep.json', complete: true });
    expect(sweep.phase).toBe('finished');
  });

  it('resumes a stopped run from its folder, keeping its finished points', async () => {
    const sweep = useSweepStore();
    const a = point('serial.branchLoop', 2, 2);
    expect(await sweep.resume('unit-run1', PROFILE, [a])).toBe(true);
    expect(api.resumeRun).toHaveBeenCalledWith('unit-run1');
    expect(sweep.runId).toBe('run-2');
    expect(sweep.points).toEqual([a]);
    expect(sweep.phase).toBe('running');
  });

  it('does not start a second run while one is running, and stops listening when disposed', async () => {
    const sweep = useSweepStore();
    await sweep.start(PROFILE);
    expect(await sweep.start(PROFILE)).toBe(false);
    expect(api.startSweep).toHaveBeenCalledTimes(1);
    expect(api.listeners.size).toBe(1);
    sweep.$dispose();
    await settle();
    expect(api.listeners.size).toBe(0);
  });
});
