import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { FusebenchError, describeError } from '../../engine/core/errors.js';
import { ApiInputError, CHANNELS, checkArguments, type ApiReply, type RequestMethod, type WorkbenchApi } from '../api.js';
import { hostAllowed, newToken, originAllowed, TOKEN_COOKIE, tokenSource } from './auth.js';

export interface WebHostOptions {
  service: WorkbenchApi;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Tests may fix it; otherwise a fresh random token per run. */
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 70 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

function csp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(body);
}

function reply<T>(res: ServerResponse, status: number, body: ApiReply<T>): void {
  send(res, status, JSON.stringify(body), 'application/json');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiInputError(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Calls one API method with arguments checked against the contract's runtime schema. */
async function callApi(service: WorkbenchApi, method: RequestMethod, body: string): Promise<unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(body || '{}');
  } catch {
    throw new ApiInputError('the request body is not JSON');
  }
  const args = checkArguments(method, (payload as { args?: unknown }).args ?? []) as unknown[];
  const fn = service[method] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(service, args);
}

/**
 * The web host: the same API contract as the Electron preload, over HTTP + WebSocket, bound to
 * 127.0.0.1 only. Every request — page, asset, API, WebSocket — needs the per-run token (query on the
 * first page load, then an HttpOnly SameSite=Strict cookie; or the x-fusebench-token header);
 * without it the answer is 401. Requests for another Host are refused (DNS rebinding).
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? newToken();
  const staticDir = resolve(options.staticDir);
  let port = 0;
  const server = createServer((req, res) => void handle(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, port)) return send(res, 403, 'forbidden host', 'text/plain');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const source = tokenSource(req, url, token);
    if (!source) return send(res, 401, 'unauthorized: open the URL that `fusebench serve` printed (it carries the token)', 'text/plain');
    if (url.pathname.startsWith('/api/')) {
      const method = url.pathname.slice(5) as RequestMethod;
      if (!(method in CHANNELS)) return reply(res, 404, { ok: false, error: { message: `no API method '${method}'`, kind: 'usage' } });
      if (req.method !== 'POST') return reply(res, 405, { ok: false, error: { message: 'use POST', kind: 'usage' } });
      try {
        const value = await callApi(options.service, method, await readBody(req));
        return reply(res, 200, { ok: true, value: value ?? null });
      } catch (e) {
        // A user's mistake (a bad file or profile) is a normal answer, not a failed request: 200 with
        // ok:false. 4xx/5xx are kept for broken calls (bad payloads) and bugs.
        const status = e instanceof ApiInputError ? 400 : e instanceof FusebenchError ? 200 : 500;
        const kind = e instanceof FusebenchError ? e.kind : e instanceof ApiInputError ? 'input' : 'internal';
        return reply(res, status, { ok: false, error: { message: describeError(e), kind } });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', 'text/plain');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = resolve(join(staticDir, rel));
    if (!file.startsWith(staticDir + sep)) return send(res, 404, 'not found', 'text/plain');
    const cookie: Record<string, string> =
      source === 'query' ? { 'set-cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
    if (!existsSync(file) || !statSync(file).isFile()) {
      if (rel === '/index.html') {
        return send(
          res,
          503,
          '<!doctype html><title>Fusebench</title><p>The UI is not built: run <code>npm run build:renderer</code>.</p>',
          TYPES['.html']!,
          { 'content-security-policy': csp(port), ...cookie },
        );
      }
      return send(res, 404, 'not found', 'text/plain');
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    return send(
      res,
      200,
      readFileSync(file),
      type,
      type.startsWith('text/html') ? { 'content-security-policy': csp(port), ...cookie } : cookie,
    );
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/events' || !hostAllowed(req, port) || !originAllowed(req, port) || !tokenSource(req, url, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const off = options.service.onSweepEvent((e) => ws.send(JSON.stringify(e)));
      ws.on('close', off);
      ws.on('message', () => ws.close(1003, 'events only'));
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((ok) => {
        wss.clients.forEach((c) => c.terminate());
        wss.close();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
