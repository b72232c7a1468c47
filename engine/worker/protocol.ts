import type { SweepProgress } from '../sweep/run-sweep.js';
import type { SweepFilesRequest } from '../sweep/node-sweep.js';
import type { PointRecord } from '../files/schemas.js';

/** Messages to the engine worker. */
export type ToWorker = { type: 'sweep'; request: SweepFilesRequest } | { type: 'cancel' };

/** Messages from the engine worker. */
export type FromWorker =
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'point'; point: PointRecord }
  | {
      type: 'done';
      resultsPath: string;
      journalPath: string;
      reportPath?: string;
      complete: boolean;
      points: number;
      resumedPoints: number;
    }
  | { type: 'failed'; message: string; userError: boolean };
