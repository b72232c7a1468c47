import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import type { SweepEvent, WorkbenchApi } from '../../../main/api.js';

/** A service that records calls: the host's job is transport, tokens and validation, not the work. */
const listeners = new Set<(e: SweepEvent) => void>();
const calls: unknown[][] = [];
const service = {
  families: async () => [{ name: 'gmp' }],
  validateProfile: async (p: unknown) => {
    calls.push([p]);
    return { ok: false, field: 'profile', message: 'nope' };
  },
  cancelSweep: async (id: string) => void calls.push([id]),
  onSweepEvent: (l: (e: SweepEvent) => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
} as unknown as WorkbenchApi;

let host: WebHost;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Fusebench</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  host = await startWebHost({ service, staticDir: dir, port: 0 });
});
afterAll(() => host.close());

function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, method, headers }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('web host', () => {
  it('listens on 127.0.0.1 only and prints a URL that carries a long random token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{43}$`));
  });

  it('answers 401 to the page, an asset and the API without the token', async () => {
    for (const path of ['/', '/index.html', '/app.js']) expect((await get(path)).status).toBe(401);
    expect((await get('/api/families', { 'content-type': 'application/json' }, 'POST', '{"args":[]}')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get('/api/families', { 'x-fusebench-token': 'x'.repeat(43) }, 'POST', '{"args":[]}')).status).toBe(401);
  });

  it('serves the page with the token, a strict CSP and an HttpOnly SameSite cookie that then admits assets', async () => {
    const page = await get(`/?token=${host.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self' 'wasm-unsafe-eval'.*object-src 'none'/);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await get('/app.js', { cookie: cookie.split(';')[0]! })).status).toBe(200);
    expect((await get('/../package.json', { cookie: cookie.split(';')[0]! })).status).toBe(404);
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    expect((await get(`/?token=${host.token}`, { host: `evil.example:${host.port}` })).status).toBe(403);
  });

  it('calls API methods with validated arguments and refuses bad ones with the field named', async () => {
    const auth = { 'x-fusebench-token': host.token };
    const ok = await get('/api/families', auth, 'POST', '{"args":[]}');
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: [{ name: 'gmp' }] });
    const bad = await get('/api/cancelSweep', auth, 'POST', '{"args":["../../etc"]}');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/cancelSweep: argument 0: .*run id/);
    expect((await get('/api/cancelSweep', auth, 'POST', 'not json')).status).toBe(400);
    expect((await get('/api/nothing', auth, 'POST', '{"args":[]}')).status).toBe(404);
    expect((await get('/api/families', auth, 'GET')).status).toBe(405);
    expect(calls).toEqual([]);
  });

  it('refuses a WebSocket without the token and streams sweep events with it', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${host.port}/events`);
    await expect(new Promise((_, reject) => refused.on('error', reject))).rejects.toThrow(/401/);
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`);
    await new Promise((r) => ws.on('open', r));
    const received = new Promise<string>((r) => ws.on('message', (m) => r(String(m))));
    const event: SweepEvent = { runId: 'r1', type: 'failed', message: 'boom' };
    listeners.forEach((l) => l(event));
    expect(JSON.parse(await received)).toEqual(event);
    ws.close();
  });
});
