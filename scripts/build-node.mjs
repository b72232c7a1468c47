// Bundles the Node entry points (CLI, engine worker) with esbuild. TensorFlow.js ships ESM with
// extensionless imports that Node cannot load directly; bundling resolves them, and the banner gives
// the ESM bundle the `require` and `__dirname` that CommonJS dependencies inside it expect.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';

// Arguments: `--outdir DIR` (default dist/node), then entries as `path` or `name=path` (default: the four below).
// A test builds the same bundles with its own engine entry into a folder of its own (test/hold/).
const args = process.argv.slice(2);
const outdirAt = args.indexOf('--outdir');
const outdir = outdirAt >= 0 ? args.splice(outdirAt, 2)[1] : 'dist/node';
const named = (entry) => (entry.includes('=') ? { out: entry.split('=')[0], in: entry.split('=')[1] } : entry);
await build({
  entryPoints: args.length
    ? args.map(named)
    : {
        cli: 'main/cli/index.ts',
        'engine-worker': 'engine/worker/node-worker.ts',
        'engine-pass': 'engine/worker/pass-worker.ts',
        'engine-plan': 'engine/worker/plan-worker.ts',
      },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  logLevel: 'warning',
  // Optional native or GPU packages are loaded at run time only where installed.
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'electron'],
  banner: {
    js: [
      "import { createRequire as __fbCreateRequire } from 'node:module';",
      "import { fileURLToPath as __fbFileURLToPath } from 'node:url';",
      "import { dirname as __fbDirname } from 'node:path';",
      'const require = __fbCreateRequire(import.meta.url);',
      'const __filename = __fbFileURLToPath(import.meta.url);',
      'const __dirname = __fbDirname(__filename);',
    ].join(' '),
  },
});

// The torch backend's Python worker runs beside the bundles (engine/torch/worker-path.ts looks
// in dist/node/torch/), so a built or installed CLI finds it without the source tree.
mkdirSync(`${outdir}/torch`, { recursive: true });
for (const file of readdirSync('engine/torch').filter((f) => f.endsWith('.py'))) {
  cpSync(`engine/torch/${file}`, `${outdir}/torch/${file}`);
}
