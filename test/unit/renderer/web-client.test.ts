import { describe, expect, it, vi } from 'vitest';
import type { SweepEvent } from '../../../main/api';
import { createWebClient, HostError, takePageToken } from '../../../renderer/api/web-client';
import { createBridgeClient } from '../../../renderer/api/bridge-client';
import type { WorkbenchBridge } from '../../../main/api';

type Handler = (event: { data?: unknown }) => void;

/** A stand-in for the browser WebSocket: records instances, lets a test deliver messages and close. */
class FakeSocket {
  static instances: FakeSocket[] = [];
  handlers = new Map<string, Handler[]>();
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  addEventListener(type: string, handler: Handler): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }
  fire(type: string, event: { data?: unknown } = {}): void {
    for (const h of this.handlers.get(type) ?? []) h(event);
  }
  close(): void {
    this.closed = true;
    this.fire('close');
  }
}

function client(reply: unknown, status = 200) {
  const fetch = vi.fn(async () => new Response(JSON.stringify(reply), { status }));
  const api = createWebClient({
    origin: 'http://127.0.0.1:5000',
    token: 'tok',
    fetch: fetch as unknown as typeof globalThis.fetch,
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    reconnectMs: 1,
  });
  return { api, fetch };
}

describe('web client', () => {
  it('posts the arguments with the token and returns the value', async () => {
    const { api, fetch } = client({ ok: true, value: [{ name: 'gmp' }] });
    expect(await api.families()).toEqual([{ name: 'gmp' }]);
    await api.parseFile({ kind: 'profile', name: 'a.json', text: '{}' });
    expect(fetch).toHaveBeenLastCalledWith('http://127.0.0.1:5000/api/parseFile', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fusebench-token': 'tok' },
      body: JSON.stringify({ args: [{ kind: 'profile', name: 'a.json', text: '{}' }] }),
    });
  });

  it('accepts the reply of a void method, which JSON leaves without a value', async () => {
    const { api } = client({ ok: true });
    await expect(api.cancelSweep('run-1')).resolves.toBeUndefined();
  });

  it('throws the host’s message, kind and field', async () => {
    const { api } = client({ ok: false, error: { message: 'x.json: is not valid JSON', kind: 'file', field: 'measure.seed' } }, 200);
    const error = await api.parseFile({ kind: 'results', name: 'x.json', text: '{' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect(error).toMatchObject({ message: 'x.json: is not valid JSON', kind: 'file', field: 'measure.seed' });
  });

  it('reads a refusal from the Electron bridge exactly as from the web host', async () => {
    const reply = { ok: false, error: { message: 'profile: measure.seed: too big', kind: 'config', field: 'measure.seed' } };
    const bridge = { validateProfile: async () => reply } as unknown as WorkbenchBridge;
    const fromBridge = await createBridgeClient(bridge)
      .validateProfile({})
      .catch((e: unknown) => e);
    const fromWeb = await client(reply)
      .api.validateProfile({})
      .catch((e: unknown) => e);
    expect(fromBridge).toBeInstanceOf(HostError);
    expect({ ...(fromBridge as HostError), message: (fromBridge as Error).message }).toEqual({
      ...(fromWeb as HostError),
      message: (fromWeb as Error).message,
    });
    const junk = { validateProfile: async () => 'junk' } as unknown as WorkbenchBridge;
    await expect(createBridgeClient(junk).validateProfile({})).rejects.toThrow(/unexpected reply/);
  });

  it('takes the token from the page URL once, keeps it for the tab, and removes it from the address bar', () => {
    const stored = new Map<string, string>();
    const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) } as Storage;
    const replaced: string[] = [];
    const history = { state: null, replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } as unknown as History;
    const first = { search: '?token=abc&x=1', pathname: '/', hash: '#run' } as Location;
    expect(takePageToken(first, history, storage)).toBe('abc');
    expect(replaced).toEqual(['/?x=1#run']);
    // A reload (no token in the URL) still has it; the address bar is left alone.
    expect(takePageToken({ search: '', pathname: '/', hash: '' } as Location, history, storage)).toBe('abc');
    expect(replaced).toHaveLength(1);
  });

  it('explains an unreachable host and a reply that is not the contract’s', async () => {
    const down = createWebClient({
      origin: 'http://127.0.0.1:1',
      token: 't',
      fetch: (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch,
    });
    await expect(down.environment()).rejects.toThrow('environment: the Fusebench host cannot be reached (Failed to fetch)');
    const { api } = client({ hello: 1 }, 401);
    await expect(api.environment()).rejects.toThrow('environment: the host answered HTTP 401 with an unexpected reply');
  });

  it('delivers sweep events from one shared socket, skips junk, reconnects, and closes when nobody listens', async () => {
    FakeSocket.instances = [];
    const { api } = client({ ok: true, value: null });
    const a: SweepEvent[] = [];
    const b: SweepEvent[] = [];
    const offA = api.onSweepEvent((e) => a.push(e));
    const offB = api.onSweepEvent((e) => b.push(e));
    expect(FakeSocket.instances).toHaveLength(1);
    const socket = FakeSocket.instances[0]!;
    expect(socket.url).toBe('ws://127.0.0.1:5000/events?token=tok');
    const event: SweepEvent = { runId: 'r', type: 'progress', progress: { done: 1, total: 2 } };
    socket.fire('message', { data: JSON.stringify(event) });
    socket.fire('message', { data: 'not json' });
    socket.fire('message', { data: JSON.stringify({ type: 'other' }) });
    expect(a).toEqual([event]);
    expect(b).toEqual([event]);

    socket.fire('close');
    await new Promise((r) => setTimeout(r, 10));
    expect(FakeSocket.instances).toHaveLength(2);
    offA();
    expect(FakeSocket.instances[1]!.closed).toBe(false);
    offB();
    expect(FakeSocket.instances[1]!.closed).toBe(true);
  });
});
