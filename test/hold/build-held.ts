/**
 * Builds the CLI with the held engine (./held-engine.ts) into a fresh folder under dist/, so each test
 * run gets current code and parallel test workers never share a bundle. The folder sits beside
 * dist/renderer, which the web host serves from `../renderer/`. Returns the CLI's path and a clean-up.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export function buildHeldCli(): { cli: string; remove: () => void } {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const outdir = mkdtempSync(join(ROOT, 'dist', 'held-'));
  execFileSync(
    process.execPath,
    [
      'scripts/build-node.mjs',
      '--outdir',
      outdir,
      'cli=main/cli/index.ts',
      'engine-worker=test/hold/held-engine.ts',
      'engine-pass=engine/worker/pass-worker.ts',
      'engine-plan=engine/worker/plan-worker.ts',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  return { cli: join(outdir, 'cli.mjs'), remove: () => rmSync(outdir, { recursive: true, force: true }) };
}
