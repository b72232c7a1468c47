import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FusebenchError, type ErrorKind, type FromPlanner, type PlanDetails, type Profile } from '../../engine/common.js';
import type { Calibration } from '../../engine/node.js';

/** Describes plans off the host's main thread (engine/worker/plan-worker.ts). */
export interface Planner {
  details(profile: Profile, calibration: Calibration): Promise<PlanDetails>;
  dispose(): void;
}

/** Where the bundled planner lives: beside the bundle that imports this (dist/node/), or in dist/node/ of a checkout (tests). */
export function plannerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'engine-plan.mjs'), join(here, '..', '..', 'dist', 'node', 'engine-plan.mjs')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/**
 * The planner in a worker thread, started on first use and kept; requests are answered in order, one
 * at a time. A planner that crashes fails its request and is started afresh for the next.
 *
 * @example const planner = workerPlanner(); const d = await planner.details(profile, {}); planner.dispose();
 */
export function workerPlanner(script = plannerScript()): Planner {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve(d: PlanDetails): void; reject(e: Error): void }>();
  const start = (): Worker => {
    const w = new Worker(script);
    w.unref();
    w.on('message', (m: FromPlanner) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.details);
      else p.reject(new FusebenchError(m.message, (m.kind as ErrorKind | undefined) ?? 'usage', m.field));
    });
    const fail = (why: string) => {
      worker = undefined;
      for (const p of pending.values()) p.reject(new Error(`the planner stopped: ${why}`));
      pending.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    return w;
  };
  return {
    details(profile, calibration) {
      worker ??= start();
      const id = nextId++;
      const w = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, profile, calibration });
      });
    },
    dispose() {
      void worker?.terminate();
      worker = undefined;
    },
  };
}
