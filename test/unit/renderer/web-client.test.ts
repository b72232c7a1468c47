import { describe, expect, it, vi } from 'vitest';
import type { SweepEvent } from '../../../main/api';
import { createWebClient, HostError } from '../../../renderer/api/web-client';

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

  it('throws the host’s message and kind', async () => {
    const { api } = client({ ok: false, error: { message: 'x.json: is not valid JSON', kind: 'file' } }, 422);
    const error = await api.parseFile({ kind: 'results', name: 'x.json', text: '{' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect(error).toMatchObject({ message: 'x.json: is not valid JSON', kind: 'file' });
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
