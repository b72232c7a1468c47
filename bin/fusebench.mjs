#!/usr/bin/env node
// Runs the bundled CLI (built by `npm install`/`npm run build` into dist/node).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/node/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('fusebench: the CLI is not built yet; run `npm run build` (npm install does it too)\n');
  process.exit(2);
}
await import(cli);
