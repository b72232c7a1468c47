/**
 * The Electron EngineLauncher: each sweep gets its own utility process, so a native crash or an
 * out-of-memory in a backend takes down that process, never the window or the main process. The
 * supervision is the one all hosts share (main/engine-host/supervisor.ts); UtilityProcess already has
 * the EngineChild shape.
 */
import { utilityProcess } from 'electron';
import type { Environment } from '../../engine/common.js';
import { probeEnvironment, superviseEngine, type EngineLauncher } from '../engine-host/supervisor.js';

export interface EngineProcessOptions {
  /** The bundled entry (dist/node/engine-worker.mjs, dist/node/environment-probe.mjs). */
  script: string;
  /** Extra environment for the engine (e.g. where the unpacked wasm files are in a packaged app). */
  env?: Record<string, string>;
}

export function utilityProcessLauncher(options: EngineProcessOptions): EngineLauncher {
  return (request, onMessage) => {
    const child = utilityProcess.fork(options.script, [], {
      serviceName: 'Fusebench engine',
      // stderr is piped so a crash report can quote the engine's last words.
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    return superviseEngine(child, request, onMessage);
  };
}

/** The Environment, probed once per app run in a utility process (a failed probe is retried on the next call). */
export function utilityProcessEnvironment(options: EngineProcessOptions): () => Promise<Environment> {
  let cached: Promise<Environment> | undefined;
  return () => {
    cached ??= probeEnvironment(
      utilityProcess.fork(options.script, [], {
        serviceName: 'Fusebench backend probe',
        stdio: 'inherit',
        env: { ...process.env, ...options.env },
      }),
    ).catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}
