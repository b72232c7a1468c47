import { describe, expect, it } from 'vitest';
import { COLUMNS, filterRows, pointRows, sortRows } from '../../../renderer/components/results/point-rows';
import { speedupIndex } from '../../../engine/report/speedup';
import { point, results } from './fake-api';

describe('points table rows', () => {
  const points = [
    point('serial.branchLoop', 2, 4),
    point('parallel.im2colBatchedMatmul', 2, 1, { speedup: 4 }),
    point('parallel.blockDiagonalConv', 2, 0.5, { relErr: 0.02 }),
    { ...point('serial.branchLoop', 4, 1), status: 'invalid' as const, time: undefined, message: 'config.channels: must be divisible' },
  ];
  const rows = pointRows(points, speedupIndex(results(points)));

  it('answers first: implementation, verdict, speedup with its interval, median, memory; then where, in one column', () => {
    expect(COLUMNS.map((c) => c.id)).toEqual(['implementation', 'groups', 'verdict', 'speedup', 'median', 'memory', 'config']);
    // Groups is a column of its own, sortable as a number (the x of most charts).
    expect(rows.map((r) => r.cells.groups.text)).toEqual(['2', '2', '2', '4']);
    expect(sortRows(rows, 'groups', 'descending')[0]?.cells.groups.sort).toBe(4);
    expect(
      pointRows([{ ...points[0]!, config: { classesPerGroup: [2, 1, 3] } }], speedupIndex(results(points)))[0]?.cells.groups.text,
    ).toBe('3');
    expect(rows.map((r) => r.cells.speedup.text)).toEqual(['—', '×4 [3.8–4.2]', 'not counted', '—']);
    expect(rows.map((r) => r.cells.verdict.text)).toEqual(['serial (baseline)', 'faster', 'not equivalent (relErr 0.02)', 'invalid']);
    expect(rows[2]?.flag).toContain('not equivalent: relErr 0.02');
    expect(rows[1]?.flag).toBeUndefined();
    expect(rows[1]?.cells.memory.text).toBe('8 KiB');
    expect(rows[1]?.cells.config.text).toBe('bottleneck · inference · wasm · batch=1, channels=8, groups=2, height=4, squeeze=2, width=4');
  });

  it('filters by words in any column and by status, and sorts numbers as numbers', () => {
    expect(filterRows(rows, 'blockDiagonal groups=2', 'all')).toHaveLength(1);
    expect(filterRows(rows, '', 'flagged').map((r) => r.point.implementation)).toEqual(['parallel.blockDiagonalConv']);
    expect(filterRows(rows, '', 'invalid')).toHaveLength(1);
    expect(sortRows(rows, 'median', 'ascending').map((r) => r.cells.median.text)).toEqual(['n/a', '500 µs', '1 ms', '4 ms']);
    expect(sortRows(rows, 'speedup', 'descending')[0]?.cells.speedup.text).toBe('×4 [3.8–4.2]');
  });
});
