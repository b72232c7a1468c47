import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWebHost, WS_CLOSE_TOO_BIG, MAX_WS_PAYLOAD, type WebHost } from '../../../main/web/server.js';
import { tokenCookieName } from '../../../main/web/auth.js';
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
  saveFile: async (r: unknown) => {
    calls.push([r]);
    return { name: 'x', path: '/x' };
  },
  cancelSweep: async (id: string) => void calls.push([id]),
  openRun: async (id: string) => void calls.push([id]),
  onSweepEvent: (l: (e: SweepEvent) => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
} as unknown as WorkbenchApi;

let host: WebHost;
let staticDir: string;
beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'fb-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Fusebench</title>');
  writeFileSync(join(staticDir, 'app.js'), 'console.log(1)');
  const outside = mkdtempSync(join(tmpdir(), 'fb-secret-'));
  writeFileSync(join(outside, 'secret.js'), 'const secret = "do-not-leak";');
  symlinkSync(join(outside, 'secret.js'), join(staticDir, 'link.js'));
  host = await startWebHost({ service, staticDir, port: 0 });
});
afterAll(() => host.close());

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Reply> {
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

/** Sends bytes on a raw socket (no client-side URL parsing) and returns the status line, or '' if the socket closed without one. */
function raw(text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(host.port, '127.0.0.1');
    let data = '';
    socket.on('data', (c) => (data += c.toString('latin1')));
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.setTimeout(5_000, () => socket.destroy());
    socket.end(text);
  });
}

const stillServing = async () => expect((await get(`/?token=${host.token}`, { host: `127.0.0.1:${host.port}` })).status).toBe(200);
const api = (method: string, body: string, headers: Record<string, string> = {}) =>
  get(`/api/${method}`, { 'content-type': 'application/json', 'x-fusebench-token': host.token, ...headers }, 'POST', body);

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

  it('serves the page with the token, a strict CSP and an HttpOnly SameSite cookie named for its port that then admits assets', async () => {
    const page = await get(`/?token=${host.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self' 'wasm-unsafe-eval'.*object-src 'none'/);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${tokenCookieName(host.port)}=.*; HttpOnly; SameSite=Strict`));
    expect(tokenCookieName(host.port)).toContain(String(host.port));
    expect((await get('/app.js', { cookie: cookie.split(';')[0]! })).status).toBe(200);
    expect((await get('/../package.json', { cookie: cookie.split(';')[0]! })).status).toBe(404);
  });

  it('never follows a symlink out of the renderer folder', async () => {
    const r = await get(`/link.js?token=${host.token}`);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('do-not-leak');
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    expect((await get(`/?token=${host.token}`, { host: `evil.example:${host.port}` })).status).toBe(403);
  });

  it('calls API methods with validated arguments and refuses bad ones with the field named', async () => {
    const ok = await api('families', '{"args":[]}');
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: [{ name: 'gmp' }] });
    const bad = await api('cancelSweep', '{"args":["../../etc"]}');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({
      kind: 'input',
      field: 'args[0]',
      message: expect.stringMatching(/cancelSweep: argument 0: .*run id/),
    });
    expect((await api('cancelSweep', 'not json')).status).toBe(400);
    // A run is named by its folder in runs/: one segment, never a path out of it.
    expect((await api('openRun', '{"args":["../../etc"]}')).status).toBe(400);
    expect((await api('nothing', '{"args":[]}')).status).toBe(404);
    for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect((await api(inherited, '{"args":[]}')).status).toBe(404);
    expect((await get('/api/families', { 'x-fusebench-token': host.token }, 'GET')).status).toBe(405);
    expect(calls).toEqual([]);
  });

  it('answers malformed requests on a raw socket with 4xx, before or after the token, and keeps serving', async () => {
    const h = `Host: 127.0.0.1:${host.port}\r\n`;
    const upgrade =
      'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const probes = [
      `GET //[ HTTP/1.1\r\n${h}\r\n`,
      `GET //[ HTTP/1.1\r\n${h}${upgrade}\r\n`,
      `GET /%E0%A4%A?token=${host.token} HTTP/1.1\r\n${h}\r\n`,
      `GET /%E0%A4%A HTTP/1.1\r\n${h}Cookie: ${tokenCookieName(host.port)}=${host.token}\r\n\r\n`,
      `GET /events?token=%E0%A4%A HTTP/1.1\r\n${h}${upgrade}\r\n`,
      `GET http://[::1 HTTP/1.1\r\n${h}\r\n`,
      `GET * HTTP/1.1\r\n${h}\r\n`,
      `GET / HTTP/1.1\r\nHost: \r\n\r\n`,
      `\u0000\u0001garbage\r\n\r\n`,
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${h}X-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      `POST /api/families HTTP/1.1\r\n${h}x-fusebench-token: ${host.token}\r\nContent-Length: 999999999999\r\n\r\n{`,
    ];
    for (const probe of probes) {
      const status = await raw(probe);
      expect(status, JSON.stringify(probe.slice(0, 60))).toMatch(/^HTTP\/1\.1 4\d\d /);
      await stillServing();
    }
  });

  it('refuses a cross-origin POST that carries the cookie (403), and writes nothing', async () => {
    const cookie = `${tokenCookieName(host.port)}=${host.token}`;
    const body = JSON.stringify({ args: [{ kind: 'report', name: 'pwned.html', content: 'x' }] });
    const other = `http://127.0.0.1:${host.port + 1}`;
    const cases: Record<string, string>[] = [
      { cookie, origin: other },
      { cookie, 'sec-fetch-site': 'same-site' },
      { cookie, origin: 'null' },
      { cookie, 'x-fusebench-token': host.token, origin: other },
    ];
    for (const headers of cases) {
      const r = await get('/api/saveFile', { 'content-type': 'text/plain', ...headers }, 'POST', body);
      expect(r.status, JSON.stringify(headers)).toBe(403);
    }
    // Same origin but the cookie alone: the API needs the header.
    const cookieOnly = await get('/api/saveFile', { cookie, origin: `http://127.0.0.1:${host.port}` }, 'POST', body);
    expect(cookieOnly.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('refuses a WebSocket without the token or from another origin, and streams sweep events to its own page', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${host.port}/events`);
    await expect(new Promise((_, reject) => refused.on('error', reject))).rejects.toThrow(/401/);
    const foreign = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, { origin: 'http://127.0.0.1:1' });
    await expect(new Promise((_, reject) => foreign.on('error', reject))).rejects.toThrow(/403/);
    const byCookie = new WebSocket(`ws://127.0.0.1:${host.port}/events`, {
      headers: { cookie: `${tokenCookieName(host.port)}=${host.token}` },
    });
    await expect(new Promise((_, reject) => byCookie.on('error', reject))).rejects.toThrow(/401/);
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, { origin: `http://127.0.0.1:${host.port}` });
    await new Promise((r) => ws.on('open', r));
    const received = new Promise<string>((r) => ws.on('message', (m) => r(String(m))));
    const event: SweepEvent = { runId: 'r1', type: 'failed', message: 'boom' };
    listeners.forEach((l) => l(event));
    expect(JSON.parse(await received)).toEqual(event);
    ws.close();
  });

  it('closes the socket with 1009 on a frame over the payload limit, and keeps serving', async () => {
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`);
      await new Promise((r) => ws.on('open', r));
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
      ws.send('x'.repeat(MAX_WS_PAYLOAD * 4));
      expect(await closed).toBe(WS_CLOSE_TOO_BIG);
      await stillServing();
    }
    // Events still reach the listeners left (none throws for the closed sockets).
    expect(() => listeners.forEach((l) => l({ runId: 'r2', type: 'failed', message: 'after' }))).not.toThrow();
  });

  it('leaves no file behind in the renderer folder', () => {
    expect(readdirSync(staticDir).sort()).toEqual(['app.js', 'index.html', 'link.js']);
  });
});
