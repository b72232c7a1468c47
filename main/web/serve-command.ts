import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeEnvironment } from '../../engine/node.js';
import { workerThreadLauncher } from '../engine-host/worker-thread.js';
import { createWorkbenchService } from '../service/workbench-service.js';
import { parse, intOption } from '../cli/args.js';
import { startWebHost } from './server.js';

/** The built renderer, beside the bundled CLI: dist/node/cli.mjs → dist/renderer/. */
function rendererDir(): string {
  return fileURLToPath(new URL('../renderer/', import.meta.url));
}

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

/** `fusebench serve [--port N] [--open] [--workspace DIR]`: the UI on 127.0.0.1 with a per-run token. */
export async function serveCommand(argv: string[], out: (t: string) => void): Promise<number> {
  const { values } = parse(argv, { port: { type: 'string' }, open: { type: 'boolean' }, workspace: { type: 'string' } });
  const workspaceDir = resolve(values.workspace ?? '.');
  const service = createWorkbenchService({
    workspaceDir,
    // Beside, not inside, runs/ (where saveFile writes, and whose names cannot start with a dot).
    recentPath: join(workspaceDir, '.fusebench', 'recent-files.json'),
    environment: nodeEnvironment,
    launch: workerThreadLauncher(),
    files: {
      dialogs: false,
      pick: async () => null, // the browser's own file input does this
      saveTarget: async (_kind, name) => join(workspaceDir, 'runs', name),
    },
  });
  const host = await startWebHost({ service, staticDir: rendererDir(), port: intOption('--port', values.port) ?? 0 });
  out(`Fusebench is serving ${host.url}`);
  if (values.open) openInBrowser(host.url);
  await new Promise<void>((stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  service.dispose();
  await host.close();
  return 0;
}
