import os from 'node:os';
import { TOOL } from '../core/tool.js';
import { tfjsVersion } from '../core/tf.js';
import { probeBackend, probeBackends } from './node.js';
import type { BackendName } from '../core/backend-names.js';
import type { Environment } from '../files/schemas.js';

export type { Environment };

/**
 * The machine, runtimes and backends as seen from this Node process: every backend, or only `backends`
 * (a sweep's results describe the backends it ran on, without starting Python or Dawn for the others).
 */
export async function nodeEnvironment(backends?: readonly BackendName[]): Promise<Environment> {
  const versions = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string };
  return {
    tool: TOOL.name,
    toolVersion: TOOL.version,
    host: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    node: process.versions.node,
    ...(versions.electron ? { electron: versions.electron, chrome: versions.chrome } : {}),
    tfjs: tfjsVersion(),
    backends: backends ? await Promise.all(backends.map((b) => probeBackend(b))) : await probeBackends(),
  };
}
