// The preload with Electron's modules replaced by recorders: checks what crosses the bridge. Whether
// Electron itself enforces isolation is checked by test/e2e/electron.spec.ts where the binary exists.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS, SWEEP_EVENT_CHANNEL } from '../../../main/api.js';
import { MENU_COMMAND_CHANNEL } from '../../../main/electron/menu-commands.js';

type Handler = (event: unknown, payload: unknown) => void;
const bridge = vi.hoisted(() => ({
  exposed: new Map<string, Record<string, unknown>>(),
  invoke: vi.fn<(channel: string, ...args: unknown[]) => Promise<unknown>>(),
  listeners: new Map<string, Set<Handler>>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => bridge.exposed.set(key, api) },
  ipcRenderer: {
    invoke: bridge.invoke,
    on: (channel: string, h: Handler) => bridge.listeners.set(channel, (bridge.listeners.get(channel) ?? new Set()).add(h)),
    removeListener: (channel: string, h: Handler) => bridge.listeners.get(channel)?.delete(h),
  },
}));

const emit = (channel: string, payload: unknown) =>
  bridge.listeners.get(channel)?.forEach((h) => h({ sender: 'ipcRenderer itself' }, payload));

let api: Record<string, (...args: unknown[]) => unknown>;
beforeAll(async () => {
  Object.defineProperty(process, 'contextIsolated', { value: true, configurable: true });
  await import('../../../main/electron/preload.js');
  api = bridge.exposed.get('fusebench') as typeof api;
});

describe('preload bridge', () => {
  it('exposes exactly one function per action under one name', () => {
    expect([...bridge.exposed.keys()]).toEqual(['fusebench']);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(CHANNELS), 'onSweepEvent', 'onMenuCommand'].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it.each(Object.entries(CHANNELS))('%s invokes %s with its arguments and hands back the reply', async (method, channel) => {
    bridge.invoke.mockResolvedValueOnce({ ok: true, value: { from: channel } });
    await expect(api[method]!('a', 2)).resolves.toEqual({ ok: true, value: { from: channel } });
    expect(bridge.invoke).toHaveBeenLastCalledWith(channel, 'a', 2);
  });

  it('hands a refused call back whole, kind and field included (contextBridge would strip them from a thrown Error)', async () => {
    const refused = {
      ok: false,
      error: { kind: 'input', field: 'args[0].name', message: 'saveFile: argument 0.name: a file name without folders' },
    };
    bridge.invoke.mockResolvedValueOnce(refused);
    await expect(api.saveFile!({})).resolves.toEqual(refused);
  });

  it('hands sweep listeners the payload only, and unsubscribes', () => {
    const seen: unknown[] = [];
    const off = api.onSweepEvent!((e: unknown) => seen.push(e)) as () => void;
    const event = { runId: 'r1', type: 'failed', message: 'x' };
    emit(SWEEP_EVENT_CHANNEL, event);
    off();
    emit(SWEEP_EVENT_CHANNEL, event);
    expect(seen).toEqual([event]);
  });

  it('forwards only well-formed menu commands', () => {
    const seen: unknown[] = [];
    const off = api.onMenuCommand!((c: unknown) => seen.push(c)) as () => void;
    emit(MENU_COMMAND_CHANNEL, { command: 'save' });
    emit(MENU_COMMAND_CHANNEL, { command: 'rm -rf' });
    emit(MENU_COMMAND_CHANNEL, { command: 'open-recent' });
    emit(MENU_COMMAND_CHANNEL, { command: 'open-recent', path: '/w/a.profile.json' });
    off();
    expect(seen).toEqual([{ command: 'save' }, { command: 'open-recent', path: '/w/a.profile.json' }]);
  });
});
