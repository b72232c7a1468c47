import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../../../renderer/api';
import { useRunsStore } from '../../../renderer/stores/runs';
import { useResultsStore } from '../../../renderer/stores/results';
import { useUiStore } from '../../../renderer/stores/ui';
import { useEnvironmentStore } from '../../../renderer/stores/environment';
import { fakeApi, point, results, SMALL_RESULTS, type FakeApi } from './fake-api';
import type { OpenedFile } from '../../../main/api';

describe('useRunsStore', () => {
  let api: FakeApi;

  beforeEach(async () => {
    api = fakeApi();
    installApi(api);
    setActivePinia(createPinia());
    await useEnvironmentStore().load();
  });

  it('lists the workspace’s runs and opens a finished one in Results', async () => {
    vi.mocked(api.listRuns).mockResolvedValue([{ id: 'unit-1', name: 'unit', status: 'complete', points: 4, backends: ['wasm'] }]);
    const runs = useRunsStore();
    await runs.refresh();
    expect(runs.runs.map((r) => r.status)).toEqual(['complete']);
    await runs.open(runs.runs[0]!);
    expect(api.openRun).toHaveBeenCalledWith('unit-1');
    expect(useResultsStore().results).toBe(SMALL_RESULTS);
    expect(useUiStore().tab).toBe('results');
  });

  it('compares two runs point by point: the ratio of their speedups and whether it changed', async () => {
    const faster = results([
      point('serial.branchLoop', 2, 2),
      point('parallel.im2colBatchedMatmul', 2, 0.5, { speedup: 4 }),
      point('serial.branchLoop', 4, 4),
      point('parallel.im2colBatchedMatmul', 4, 1, { speedup: 4 }),
    ]);
    vi.mocked(api.openRun).mockImplementation(async (id: string): Promise<OpenedFile> => ({
      kind: 'results',
      name: id,
      results: id === 'a' ? SMALL_RESULTS : faster,
    }));
    const runs = useRunsStore();
    await runs.compare({ id: 'a' }, { id: 'b' });
    const c = runs.comparison!;
    expect(c.points).toHaveLength(2);
    // groups 2: ×2 → ×4 (changed, higher); groups 4: ×4 → ×4 (unchanged).
    expect(c.points.map((p) => [p.config.groups, p.change, Number(p.ratio.toFixed(6))])).toEqual([
      [2, 'changed', 2],
      [4, 'unchanged', 1],
    ]);
    expect(runs.backendsOf('a')).toEqual(['wasm']);
  });
});
