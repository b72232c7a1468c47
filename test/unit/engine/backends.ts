import { probeBackend, useBackend } from '../../../engine/backends/node.js';
import type { BackendName } from '../../../engine/core/backend-names.js';

/**
 * The backends this process can test: cpu and wasm always. webgpu needs Dawn to find an adapter,
 * which needs environment variables set before the process starts; test/unit/engine/webgpu.test.ts
 * runs it in a child process. A missing backend is printed, never silently skipped.
 */
export const IN_PROCESS_BACKENDS: BackendName[] = ['cpu', 'wasm'];

export async function activate(name: BackendName): Promise<void> {
  const info = await probeBackend(name);
  if (!info.available) throw new Error(`backend ${name} unavailable: ${info.reason}`);
  await useBackend(name);
}
