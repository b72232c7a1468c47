// Finds the Electron binary without triggering its download. `require('electron')` runs the package's
// index.js, which downloads the binary when it is missing (and throws or hangs offline), so the same
// lookup is done here by hand and require() is only called once the binary is known to exist.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** @returns {{ path: string } | { path: null, reason: string }} */
export function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, reason: 'the electron package is not installed (npm install)' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative || 'electron') : relative ? join(pkgDir, 'dist', relative) : undefined;
  if (!candidate || !existsSync(candidate)) {
    return {
      path: null,
      reason: `the Electron binary is not installed here (${candidate ?? `${pathFile} is missing`}); on a machine with internet, \`npx electron --version\` downloads it`,
    };
  }
  try {
    const resolved = require('electron');
    if (typeof resolved === 'string' && existsSync(resolved)) return { path: resolved };
    return { path: null, reason: `require('electron') gave ${String(resolved)}, which does not exist` };
  } catch (err) {
    return { path: null, reason: `require('electron') failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
