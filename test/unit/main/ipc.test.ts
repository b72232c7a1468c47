// registerIpc against recorders for ipcMain and the window: one handler per channel, all guarded.
import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';
import { CHANNELS, SWEEP_EVENT_CHANNEL, type SweepEvent, type WorkbenchApi } from '../../../main/api.js';

type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;
const handlers = vi.hoisted(() => new Map<string, Handler>());
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, h: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, h);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { registerIpc } = await import('../../../main/electron/ipc.js');

function setup(url = 'app://fusebench/index.html') {
  let listener: ((e: SweepEvent) => void) | undefined;
  const service = {
    families: vi.fn(async () => [{ name: 'bottleneck' }]),
    onSweepEvent: (l: (e: SweepEvent) => void) => ((listener = l), () => (listener = undefined)),
  } as unknown as WorkbenchApi;
  const send = vi.fn();
  const mainFrame = { processId: 4, routingId: 1 };
  const window = { isDestroyed: () => false, webContents: { id: 5, mainFrame, getURL: () => url, send } } as unknown as BrowserWindow;
  const afterCall = vi.fn();
  const dispose = registerIpc(service, window, afterCall);
  const from = (frameUrl: string, frame = mainFrame) => ({ sender: { id: 5 }, senderFrame: { url: frameUrl, ...frame, parent: null } });
  return { service, send, dispose, afterCall, from, emit: (e: SweepEvent) => listener?.(e), listening: () => listener !== undefined };
}

describe('registerIpc', () => {
  it('registers one handler per contract method and removes them all', () => {
    const { dispose, listening } = setup();
    expect([...handlers.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
    dispose();
    expect(handlers.size).toBe(0);
    expect(listening()).toBe(false);
  });

  it('answers our page and refuses others, before the service sees them', async () => {
    const { service, dispose, afterCall, from } = setup();
    const families = handlers.get(CHANNELS.families)!;
    await expect(families(from('app://fusebench/index.html'))).resolves.toEqual({ ok: true, value: [{ name: 'bottleneck' }] });
    await expect(families(from('https://evil.example/'))).resolves.toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    await expect(families(from('app://fusebench/index.html', { processId: 4, routingId: 2 }))).resolves.toMatchObject({ ok: false });
    await expect(families(from('app://fusebench/index.html'), 'extra')).resolves.toMatchObject({ ok: false, error: { kind: 'input' } });
    expect(service.families).toHaveBeenCalledTimes(1);
    expect(afterCall).toHaveBeenCalledTimes(1);
    dispose();
  });

  it('pushes sweep events to our window, and not while it shows another page', () => {
    const event: SweepEvent = { runId: 'r', type: 'failed', message: 'x' };
    const ours = setup();
    ours.emit(event);
    expect(ours.send).toHaveBeenCalledWith(SWEEP_EVENT_CHANNEL, event);
    ours.dispose();
    const elsewhere = setup('https://evil.example/');
    elsewhere.emit(event);
    expect(elsewhere.send).not.toHaveBeenCalled();
    elsewhere.dispose();
  });
});
