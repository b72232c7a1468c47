/**
 * The planner (a worker thread of a host): describes plans (engine/sweep/plan-details.ts) off the
 * host's main thread, one request at a time, so that a big plan never holds up another request.
 */
import { parentPort } from 'node:worker_threads';
import { describeError, FusebenchError } from '../core/errors.js';
import { planDetails } from '../sweep/plan-details.js';
import type { FromPlanner, ToPlanner } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('engine-plan must run as a worker_thread');
port.on('message', (m: ToPlanner) => {
  let reply: FromPlanner;
  try {
    reply = { id: m.id, ok: true, details: planDetails(m.profile, m.calibration) };
  } catch (e) {
    const typed = e instanceof FusebenchError;
    reply = {
      id: m.id,
      ok: false,
      message: describeError(e),
      ...(typed ? { kind: e.kind } : {}),
      ...(typed && e.field !== undefined ? { field: e.field } : {}),
    };
  }
  port.postMessage(reply);
});
