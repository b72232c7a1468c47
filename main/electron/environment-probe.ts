/**
 * Utility-process entry that reports which backends work here (bundled to dist/node/environment-probe.mjs).
 * It exists because the engine worker's protocol has no environment request; see docs/desktop.md. Like
 * the engine worker it also runs as a worker_thread, which is how it is tested without Electron.
 */
import { parentPort } from 'node:worker_threads';
import { nodeEnvironment } from '../../engine/node.js';
import { describeError } from '../../engine/common.js';
import type { ProbeReply } from '../engine-host/supervisor.js';

const port: { postMessage(m: ProbeReply): void } | undefined = parentPort ?? process.parentPort;
if (!port) throw new Error('environment-probe must run as an Electron utilityProcess or a worker_thread');
nodeEnvironment().then(
  (environment) => port.postMessage({ type: 'environment', environment }),
  (err: unknown) => port.postMessage({ type: 'failed', message: describeError(err) }),
);
