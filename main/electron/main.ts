/**
 * The Electron main process: serves the renderer from app://, hosts the API over IPC, runs sweeps in
 * utility processes and owns the native menu. Bundled to dist/electron/main.cjs.
 */
import { app, dialog, Menu, session, type BrowserWindow } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tfjsVersion, TOOL } from '../../engine/index.js';
import { describeError } from '../../engine/common.js';
import type { RequestMethod, WorkbenchApi } from '../api.js';
import { createWorkbenchService } from '../service/workbench-service.js';
import { registerAppScheme, serveApp } from './app-protocol.js';
import { workerPlanner } from '../engine-host/planner.js';
import { utilityProcessEnvironment, utilityProcessLauncher } from './engine-launcher.js';
import { dialogFileAccess } from './file-access.js';
import { hardenApp } from './harden.js';
import { registerIpc, sendToApp } from './ipc.js';
import { aboutText, buildMenuTemplate } from './menu.js';
import { MENU_COMMAND_CHANNEL } from './menu-commands.js';
import { APP_ENTRY_URL } from './policy.js';
import { createMainWindow } from './window.js';

// The bundle lives in dist/electron/; everything else it needs is beside it in dist/.
const dist = join(__dirname, '..');
const paths = {
  renderer: join(dist, 'renderer'),
  preload: join(__dirname, 'preload.cjs'),
  engine: join(dist, 'node', 'engine-worker.mjs'),
  planner: join(dist, 'node', 'engine-plan.mjs'),
  probe: join(dist, 'node', 'environment-probe.mjs'),
};
const development = !app.isPackaged;
/** Calls after which File ▸ Recent may have changed. */
const RECENT_CHANGERS = new Set<RequestMethod>(['pickFile', 'saveFile', 'openRecent']);

registerAppScheme();
app.setName('Fusebench');
// Fixed, not derived from how Electron was launched (`electron .` or `electron dist/electron/main.cjs`);
// tests point it elsewhere so they never touch the user's recent files.
app.setPath('userData', process.env.FUSEBENCH_USER_DATA || join(app.getPath('appData'), 'Fusebench'));

let win: BrowserWindow | null = null;
let disposeIpc: (() => void) | undefined;

/** In a packaged app the wasm binaries are unpacked beside the asar archive; tell the engine where. */
function engineEnv(): Record<string, string> {
  if (!app.isPackaged) return {};
  const wasm = join(process.resourcesPath, 'app.asar.unpacked', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  return existsSync(wasm) ? { FUSEBENCH_WASM_DIR: wasm } : {};
}

function missingBuild(): string | undefined {
  const needed: [string, string][] = [
    [join(paths.renderer, 'index.html'), 'npm run build:renderer'],
    [paths.engine, 'npm run build'],
    [paths.probe, 'npm run build:electron'],
    [paths.preload, 'npm run build:electron'],
  ];
  const missing = needed.find(([file]) => !existsSync(file));
  return missing && `${missing[0]} is missing; run ${missing[1]} (or npm run build:all).`;
}

function showAbout(): void {
  const { message, detail } = aboutText({
    app: TOOL.version,
    tfjs: tfjsVersion(),
    runtime: process.versions,
    platform: `${process.platform} ${process.arch}`,
  });
  const options = { type: 'info' as const, title: 'About Fusebench', message, detail, buttons: ['OK'] };
  void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}

async function start(): Promise<void> {
  const missing = missingBuild();
  if (missing) throw new Error(missing);
  hardenApp(session.defaultSession);
  serveApp(paths.renderer);
  const userData = app.getPath('userData');
  const env = engineEnv();
  const service = createWorkbenchService({
    files: dialogFileAccess(() => win),
    launch: utilityProcessLauncher({ script: paths.engine, env }),
    planner: workerPlanner(paths.planner),
    environment: utilityProcessEnvironment({ script: paths.probe, env }),
    workspaceDir: join(userData, 'workspace'),
    recentPath: join(userData, 'recent-files.json'),
  });
  const refreshMenu = async (api: WorkbenchApi) => {
    const template = buildMenuTemplate({
      platform: process.platform,
      development,
      recent: await api.recentFiles(),
      send: (command) => win && sendToApp(win, MENU_COMMAND_CHANNEL, command),
      about: showAbout,
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };
  const openWindow = () => {
    disposeIpc?.();
    const w = createMainWindow(paths.preload, development);
    win = w;
    disposeIpc = registerIpc(service, w, (method) => {
      if (RECENT_CHANGERS.has(method)) void refreshMenu(service);
    });
    w.on('closed', () => {
      if (win === w) win = null;
    });
    void w.loadURL(APP_ENTRY_URL);
  };
  await refreshMenu(service);
  openWindow();
  // macOS keeps the app alive without windows; the dock icon brings one back.
  app.on('activate', () => {
    if (!win) openWindow();
  });
  app.on('will-quit', () => {
    disposeIpc?.();
    service.dispose();
  });
}

// Every renderer sandboxed, whatever a window's own options say (Electron's checklist, item 4).
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox('Fusebench could not start', describeError(err));
      app.exit(1);
    });
}
