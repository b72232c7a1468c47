/**
 * The API over IPC: one handler per contract method, each behind the sender and payload checks of
 * ipc-guard.ts, and sweep events pushed to our window only.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS, SWEEP_EVENT_CHANNEL, type RequestMethod, type WorkbenchApi } from '../api.js';
import { guardedCall, type FrameIdentity, type IpcSender, type TrustedWindow } from './ipc-guard.js';
import { isAppUrl } from './policy.js';

function senderOf(event: IpcMainInvokeEvent): IpcSender {
  let frame: FrameIdentity | null = null;
  try {
    const f = event.senderFrame;
    if (f) frame = { url: f.url, processId: f.processId, routingId: f.routingId, parent: f.parent };
  } catch {
    // A frame disposed mid-call throws on access; it is treated as gone, and refused.
  }
  return { webContentsId: event.sender.id, frame };
}

function trustedOf(window: BrowserWindow): TrustedWindow {
  // A closed window trusts nobody: ids that no sender can have.
  if (window.isDestroyed()) return { webContentsId: -1, mainFrame: { processId: -1, routingId: -1 } };
  const { mainFrame, id } = window.webContents;
  return { webContentsId: id, mainFrame: { processId: mainFrame.processId, routingId: mainFrame.routingId } };
}

/** Sends an event to our window, only while it shows our own page. */
export function sendToApp(window: BrowserWindow, channel: string, payload: unknown): void {
  if (window.isDestroyed() || !isAppUrl(window.webContents.getURL())) return;
  window.webContents.send(channel, payload);
}

/**
 * Registers the API handlers for `window`; `afterCall` runs after each successful call (the menu
 * refreshes File ▸ Recent with it). Returns the function that removes them all.
 */
export function registerIpc(service: WorkbenchApi, window: BrowserWindow, afterCall?: (method: RequestMethod) => void): () => void {
  const register = <M extends RequestMethod>(method: M) => {
    const call = ((...args: unknown[]) => (service[method] as (...a: unknown[]) => unknown)(...args)) as Parameters<
      typeof guardedCall<M>
    >[4];
    ipcMain.handle(CHANNELS[method], async (event, ...args: unknown[]) => {
      const reply = await guardedCall(method, senderOf(event), trustedOf(window), args, call);
      if (reply.ok) afterCall?.(method);
      return reply;
    });
  };
  for (const method of Object.keys(CHANNELS) as RequestMethod[]) register(method);
  const unsubscribe = service.onSweepEvent((e) => sendToApp(window, SWEEP_EVENT_CHANNEL, e));
  return () => {
    for (const channel of Object.values(CHANNELS)) ipcMain.removeHandler(channel);
    unsubscribe();
  };
}
