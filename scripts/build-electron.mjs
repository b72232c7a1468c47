// Bundles the Electron entry points. Main and preload are CommonJS: a sandboxed preload cannot load
// ES modules, and CJS keeps the main process free of ESM start-up ordering issues. The backend probe
// runs in a utility process like the engine worker, so it is built the same way (scripts/build-node.mjs).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22', // Electron 45's Node
  outExtension: { '.js': '.cjs' },
  outdir: 'dist/electron',
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
};

// The main process imports the engine through the service; like the Node bundles, it takes the ESM
// builds of TensorFlow.js, and engine code that resolves files from `import.meta.url` gets this file's URL.
await build({
  ...common,
  entryPoints: { main: 'main/electron/main.ts' },
  mainFields: ['module', 'main'],
  external: ['electron', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  define: { 'import.meta.url': '__fbImportMetaUrl' },
  banner: { js: "const __fbImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// A sandboxed preload may require only 'electron' (and a few polyfills); anything else must be
// bundled in, or the preload fails at run time with no window to show it.
const preload = await build({ ...common, entryPoints: { preload: 'main/electron/preload.ts' }, external: ['electron'] });
const imports = Object.values(preload.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
const forbidden = imports.filter((p) => p !== 'electron');
if (forbidden.length) {
  console.error(`build-electron: the sandboxed preload would require ${forbidden.join(', ')}; only 'electron' is available there`);
  process.exit(1);
}

execFileSync(process.execPath, ['scripts/build-node.mjs', 'main/electron/environment-probe.ts'], { stdio: 'inherit' });
