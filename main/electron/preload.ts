/**
 * The bridge into the sandboxed renderer: exactly the contract's methods (plus menu commands), each a
 * fixed IPC channel. Neither ipcRenderer nor a generic invoke is exposed, so a compromised page can
 * only do what the UI could already do, and main checks even that. Each method resolves with main's
 * ApiReply as it is (WorkbenchBridge): contextBridge would strip an Error's kind and field, and the
 * renderer unwraps replies from both hosts with one function (renderer/api/reply.ts).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, SWEEP_EVENT_CHANNEL, type RequestMethod } from '../channels.js';
import type { ApiReply, SweepEvent, WorkbenchApi, WorkbenchBridge } from '../api.js';
import { isMenuCommand, MENU_COMMAND_CHANNEL, type MenuCommand, type MenuCommandApi } from './menu-commands.js';

/** Calls one method over its channel; main never throws across IPC, so the reply is `ok: true` or `ok: false` with the error. */
function method<M extends RequestMethod>(name: M) {
  return async (...args: Parameters<WorkbenchApi[M]>): Promise<ApiReply<Awaited<ReturnType<WorkbenchApi[M]>>>> =>
    (await ipcRenderer.invoke(CHANNELS[name], ...args)) as ApiReply<Awaited<ReturnType<WorkbenchApi[M]>>>;
}

/** Listens on an event channel, handing the listener only the payload: the IpcRendererEvent carries `sender` (ipcRenderer itself). */
function subscribe<T>(channel: string, accept: (payload: unknown) => payload is T, listener: (payload: T) => void): () => void {
  const handler = (_event: IpcRendererEvent, payload: unknown) => {
    if (accept(payload)) listener(payload);
  };
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
}

const isSweepEvent = (p: unknown): p is SweepEvent =>
  typeof p === 'object' && p !== null && typeof (p as { runId?: unknown }).runId === 'string';

export const api = {
  families: method('families'),
  environment: method('environment'),
  validateProfile: method('validateProfile'),
  startSweep: method('startSweep'),
  cancelSweep: method('cancelSweep'),
  listRuns: method('listRuns'),
  attachRun: method('attachRun'),
  resumeRun: method('resumeRun'),
  openRun: method('openRun'),
  onSweepEvent: (listener: (event: SweepEvent) => void) => subscribe(SWEEP_EVENT_CHANNEL, isSweepEvent, listener),
  parseFile: method('parseFile'),
  pickFile: method('pickFile'),
  saveFile: method('saveFile'),
  recentFiles: method('recentFiles'),
  openRecent: method('openRecent'),
  exportReport: method('exportReport'),
  listModels: method('listModels'),
  startScan: method('startScan'),
  scanStatus: method('scanStatus'),
  cancelScan: method('cancelScan'),
  onMenuCommand: (listener: (command: MenuCommand) => void) => subscribe(MENU_COMMAND_CHANNEL, isMenuCommand, listener),
} satisfies WorkbenchBridge & MenuCommandApi;

// Without isolation the page would share this script's globals (and ipcRenderer); refuse to run.
if (!process.contextIsolated) throw new Error('Fusebench preload: context isolation is off; refusing to expose the API');
contextBridge.exposeInMainWorld('fusebench', api);
