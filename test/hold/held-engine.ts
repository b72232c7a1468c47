/**
 * A test's engine entry (bundled by ./build-held.ts, never shipped): the production engine with a hold.
 * After `FUSEBENCH_TEST_HOLD_AFTER_POINTS` measured points (whole groups) a sweep waits until it is
 * cancelled or the file `FUSEBENCH_TEST_HOLD_RELEASE_FILE` exists, so tests of cancel, resume and
 * reattach never race the sweep's speed. The variables are read here only: the product has no hook.
 */
import { existsSync } from 'node:fs';
import { enginePort, serveEngine } from '../../engine/worker/engine-process.js';

const after = Number(process.env.FUSEBENCH_TEST_HOLD_AFTER_POINTS ?? '1');
const releaseFile = process.env.FUSEBENCH_TEST_HOLD_RELEASE_FILE;

function released(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if ((releaseFile && existsSync(releaseFile)) || signal.aborted) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    // The poll never keeps the process alive on its own.
    timer.unref();
  });
}

serveEngine(enginePort(), (signal) => ({ holdAfterPoints: after, releaseHold: released(signal) }));
