/**
 * A stand-in for the 'electron' module, for loading the real dist/electron/main.cjs bundle in Node:
 * it records what main registers (protocol handler, IPC handlers, menu, window options) and runs
 * utility processes as worker_threads, which speak the same message protocol. It checks our wiring,
 * not Electron: the e2e spec does that where the binary exists.
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

type Listener = (...args: unknown[]) => unknown;
export type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

export interface FakeFrame {
  url: string;
  processId: number;
  routingId: number;
  parent: null;
}

class FakeWebContents extends EventEmitter {
  readonly id = 1;
  readonly mainFrame: FakeFrame = { url: '', processId: 11, routingId: 1, parent: null };
  readonly sent: [string, unknown][] = [];
  windowOpenHandler?: (details: { url: string }) => { action: string };
  getURL = () => this.mainFrame.url;
  send = (channel: string, payload: unknown) => void this.sent.push([channel, payload]);
  setWindowOpenHandler = (h: (details: { url: string }) => { action: string }) => void (this.windowOpenHandler = h);
  reload = () => undefined;
}

/** Runs a utility-process entry as a worker_thread with UtilityProcess's main-side interface. */
function forkAsWorker(script: string, _args: string[], options: { env?: Record<string, string | undefined> } = {}) {
  const worker = new Worker(script, { env: options.env ? { ...options.env } : process.env, stderr: true });
  const child = Object.assign(new EventEmitter(), {
    stderr: worker.stderr,
    postMessage: (m: unknown) => worker.postMessage(m),
    kill: () => (void worker.terminate(), true),
  });
  worker.on('message', (m) => child.emit('message', m));
  worker.on('exit', (code) => child.emit('exit', code));
  return child;
}

export function createElectronStub(paths: Record<string, string>) {
  const appEvents = new EventEmitter();
  const recorded = {
    sandboxEnabled: false,
    privileged: [] as unknown[],
    protocolHandler: undefined as ((request: Request) => Promise<Response>) | undefined,
    ipc: new Map<string, Handler>(),
    menu: undefined as unknown,
    windows: [] as { options: { webPreferences: Record<string, unknown> }; contents: FakeWebContents }[],
    errors: [] as string[],
    externals: [] as string[],
    forks: [] as string[],
    permissionRequest: undefined as Listener | undefined,
  };
  let loaded!: (url: string) => void;
  const windowLoaded = new Promise<string>((resolve) => (loaded = resolve));

  class BrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents();
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      recorded.windows.push({ options, contents: this.webContents });
      appEvents.emit('web-contents-created', {}, this.webContents);
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    loadURL = async (url: string) => {
      this.webContents.mainFrame.url = url;
      loaded(url);
    };
  }

  const electron = {
    app: {
      isPackaged: false,
      setName: () => undefined,
      setPath: (name: string, value: string) => void (paths[name] = value),
      getPath: (name: string) => paths[name] ?? `/nonexistent/${name}`,
      requestSingleInstanceLock: () => true,
      enableSandbox: () => void (recorded.sandboxEnabled = true),
      on: (event: string, l: Listener) => appEvents.on(event, l),
      whenReady: () => Promise.resolve(),
      quit: () => undefined,
      exit: (code: number) => void recorded.errors.push(`exit ${code}`),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => void recorded.privileged.push(...schemes),
      handle: (_scheme: string, h: (request: Request) => Promise<Response>) => void (recorded.protocolHandler = h),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Listener) => void (recorded.permissionRequest = h),
        setPermissionCheckHandler: () => undefined,
        setDevicePermissionHandler: () => undefined,
      },
    },
    ipcMain: {
      handle: (channel: string, h: Handler) => void recorded.ipc.set(channel, h),
      removeHandler: (channel: string) => void recorded.ipc.delete(channel),
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => void (recorded.menu = m) },
    BrowserWindow,
    dialog: {
      showErrorBox: (title: string, message: string) => void recorded.errors.push(`${title}: ${message}`),
      showMessageBox: async () => ({ response: 0 }),
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showSaveDialog: async () => ({ canceled: true }),
    },
    shell: { openExternal: async (url: string) => void recorded.externals.push(url) },
    utilityProcess: {
      fork: (script: string, args: string[], options: { env?: Record<string, string | undefined> }) => {
        recorded.forks.push(script);
        return forkAsWorker(script, args, options);
      },
    },
  };
  return { electron, recorded, windowLoaded };
}
