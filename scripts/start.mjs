// `npm start`: builds what is stale, then opens the desktop app, or, where the Electron binary is not
// installed (offline build machines), serves the same UI on localhost and opens it in the browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts ?? {};

/** Newest modification time under the given files and folders. */
function newest(paths) {
  let t = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else t = Math.max(t, s.mtimeMs);
  };
  paths.forEach(visit);
  return t;
}

function stale(outputs, sources) {
  if (!outputs.every((o) => existsSync(o))) return true;
  return newest(sources) > Math.min(...outputs.map((o) => statSync(o).mtimeMs));
}

function npmRun(script) {
  if (!scripts[script]) {
    console.error(`start: package.json has no "${script}" script yet; skipping it`);
    return;
  }
  const r = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const engineSources = ['engine', 'main', 'package.json'];
const binary = electronBinary();
if (stale(['dist/node/cli.mjs', 'dist/node/engine-worker.mjs'], engineSources)) npmRun('build');
if (stale(['dist/renderer/index.html'], ['renderer', 'vite.config.ts'])) npmRun('build:renderer');
if (binary.path && stale(['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/node/environment-probe.mjs'], engineSources)) {
  npmRun('build:electron');
}

const args = process.argv.slice(2);
let child;
if (binary.path) {
  // Inherited by accident, this would make Electron run main.cjs as a plain Node script.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  child = spawn(binary.path, ['dist/electron/main.cjs', ...args], { stdio: 'inherit', env });
} else {
  console.log(`start: ${binary.reason}; serving the same UI on localhost instead.`);
  child = spawn(process.execPath, ['bin/fusebench.mjs', 'serve', '--open', ...args], { stdio: 'inherit' });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
