import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../core/errors.js';

/**
 * Where worker.py is: beside this file in the source tree (tests, tsx), in `torch/` beside the bundle
 * that holds this code (dist/node/torch/, copied by scripts/build-node.mjs), and in Electron's
 * app.asar.unpacked (Python cannot read inside an asar archive). FUSEBENCH_TORCH_WORKER overrides.
 */
export function torchWorkerPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FUSEBENCH_TORCH_WORKER || torchScriptPath('worker.py');
}

/**
 * Where one of the torch room's Python scripts is (worker.py, scan.py): the places torchWorkerPath looks,
 * and dist/node/torch/ seen from Electron's main bundle in dist/electron/ (scan runs from the main process).
 */
export function torchScriptPath(script: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const places = [join(here, script), join(here, 'torch', script), join(here, '..', 'node', 'torch', script)];
  const candidates = [...new Set(places.flatMap((p) => [p.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'), p]))];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new BackendUnavailableError('torch', `${script} is not beside ${here} (looked in ${candidates.join(', ')}); run npm run build`);
  }
  return found;
}
