/** The engine's process entry (dist/node/engine-worker.mjs): serves sweeps, engine/worker/engine-process.ts. */
import { enginePort, serveEngine } from './engine-process.js';

serveEngine(enginePort());
