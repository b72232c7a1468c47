import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiInputError, CHANNELS, checkArguments, type ApiReply, type RequestMethod, type WorkbenchApi } from '../api.js';
import { readAsset, resolveAsset } from '../assets/asset-resolver.js';
import { contentSecurityPolicy } from '../assets/content-security-policy.js';
import { errorReply, ForbiddenError, httpStatusOf } from '../service/error-reply.js';
import { fromOwnOrigin, hostAllowed, newToken, tokenCookieName, tokenSource } from './auth.js';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from '../../engine/common.js';

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

/** The largest API request body: a results file (MAX_RESULTS_BYTES is for files on disk; saved JSON from the UI is smaller). */
const MAX_BODY = 70 * 1024 * 1024;
/** Methods whose arguments carry a whole file; every other call is small, and its body is held to MAX_SMALL_BODY. */
const FILE_METHODS: ReadonlySet<RequestMethod> = new Set(['saveFile', 'parseFile', 'exportReport']);
const MAX_SMALL_BODY = 2 * 1024 * 1024;
/** The page sends nothing on the event socket; anything bigger than this is not ours. */
export const MAX_WS_PAYLOAD = 1024;
/** WebSocket close code for a frame over MAX_WS_PAYLOAD (RFC 6455 "message too big"); `ws` sends it. */
export const WS_CLOSE_TOO_BIG = 1009;

function csp(port: number): string {
  return contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
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

function reply<T>(res: ServerResponse, body: ApiReply<T>, status = httpStatusOf(body)): void {
  send(res, status, JSON.stringify(body), 'application/json');
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new ApiInputError(`request body over ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new ApiInputError(`request body over ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Calls one API method with arguments checked against the contract's runtime schema. */
async function callApi(service: WorkbenchApi, method: RequestMethod, body: string): Promise<unknown> {
  let payload: unknown;
  // Checked on the text: JSON.parse of a body nested a million deep would hold every request for seconds.
  if (jsonTextTooDeep(body)) throw new ApiInputError(`the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    payload = JSON.parse(body || '{}');
  } catch {
    throw new ApiInputError('the request body is not JSON; send {"args": [...]}');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    throw new ApiInputError('the request body must be a JSON object {"args": [...]}');
  const args = checkArguments(method, (payload as { args?: unknown }).args ?? []) as unknown[];
  const fn = service[method] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(service, args);
}

/** The request's URL, or undefined for a target no URL parser accepts (`//[`): a 400, never an exception. */
function requestUrl(req: IncomingMessage, port: number): URL | undefined {
  const target = req.url ?? '/';
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, `http://127.0.0.1:${port}`);
  } catch {
    return undefined;
  }
}

const UNAUTHORIZED = 'unauthorized: open the URL that `fusebench serve` printed (it carries the token)';

/**
 * The web host: the same API contract as the Electron preload, over HTTP + WebSocket, bound to
 * 127.0.0.1 only, for requests addressed to it by name (DNS rebinding is refused).
 *
 * Who may do what (docs/desktop.md, "The web host"):
 * - the page and its assets (GET): the per-run token, from the printed URL's `?token=` or, after that
 *   first load, an HttpOnly SameSite=Strict cookie whose name carries the port;
 * - the API (POST /api/<method>): the token in the `x-fusebench-token` header only — the cookie never
 *   authorises a call, since every local port shares it — and a request from our own origin;
 * - the event stream (WebSocket /events): the token in the URL or header, from our own origin.
 *
 * Every handler is guarded: no request, header or frame can throw out of it, so no input stops the
 * host or the sweeps it runs.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? newToken();
  const staticDir = options.staticDir;
  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => fail(res, e));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });

  function fail(res: ServerResponse, e: unknown): void {
    try {
      if (res.headersSent) res.destroy();
      else reply(res, errorReply(e));
    } catch {
      res.destroy();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, port)) return send(res, 403, 'forbidden host', 'text/plain');
    const url = requestUrl(req, port);
    if (!url) return send(res, 400, 'bad request target', 'text/plain');
    const reading = req.method === 'GET' || req.method === 'HEAD';
    // State-changing requests only from our own page: a page on another local port gets the cookie too.
    if (!reading && !fromOwnOrigin(req, port)) return reply(res, errorReply(new ForbiddenError('cross-origin request refused')));
    const source = tokenSource(req, url, token, port);
    if (url.pathname.startsWith('/api/')) {
      if (source !== 'header') return send(res, 401, `${UNAUTHORIZED}; API calls carry it in the x-fusebench-token header`, 'text/plain');
      const method = url.pathname.slice(5);
      if (!Object.hasOwn(CHANNELS, method))
        return reply(res, { ok: false, error: { message: `no API method '${method.slice(0, 64)}'`, kind: 'input' } }, 404);
      if (req.method !== 'POST') return reply(res, { ok: false, error: { message: 'use POST', kind: 'input' } }, 405);
      try {
        const value = await callApi(
          options.service,
          method as RequestMethod,
          await readBody(req, FILE_METHODS.has(method as RequestMethod) ? MAX_BODY : MAX_SMALL_BODY),
        );
        return reply(res, { ok: true, value: value ?? null });
      } catch (e) {
        return reply(res, errorReply(e));
      }
    }
    if (!source) return send(res, 401, UNAUTHORIZED, 'text/plain');
    if (!reading) return send(res, 405, 'method not allowed', 'text/plain');
    const cookie: Record<string, string> =
      source === 'query' ? { 'set-cookie': `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
    const found = resolveAsset(url.pathname, staticDir);
    if (!found.ok) return send(res, found.status, found.reason, 'text/plain');
    const asset = await readAsset(found, staticDir);
    if (!asset.ok) {
      if (found.contentType.startsWith('text/html') && (url.pathname === '/' || url.pathname === '/index.html')) {
        return send(
          res,
          503,
          '<!doctype html><title>Fusebench</title><p>The UI is not built: run <code>npm run build:renderer</code>.</p>',
          found.contentType,
          { 'content-security-policy': csp(port), ...cookie },
        );
      }
      return send(res, 404, 'not found', 'text/plain');
    }
    const html = asset.contentType.startsWith('text/html');
    return send(
      res,
      200,
      req.method === 'HEAD' ? '' : asset.body,
      asset.contentType,
      html ? { 'content-security-policy': csp(port), ...cookie } : cookie,
    );
  }

  function refuseUpgrade(socket: Duplex, status: string): void {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  function serveEvents(ws: WebSocket): void {
    // An oversize frame makes ws emit 'error' and close with 1009; without a listener that error would end the process.
    ws.on('error', () => ws.terminate());
    const off = options.service.onSweepEvent((e) => {
      try {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(e));
      } catch {
        ws.terminate();
      }
    });
    ws.on('close', off);
    ws.on('message', () => ws.close(1003, 'events only'));
  }

  server.on('upgrade', (req, socket, head) => {
    try {
      socket.on('error', () => socket.destroy());
      const url = requestUrl(req, port);
      if (!url || !hostAllowed(req, port)) return refuseUpgrade(socket, '400 Bad Request');
      if (!fromOwnOrigin(req, port)) return refuseUpgrade(socket, '403 Forbidden');
      const source = tokenSource(req, url, token, port);
      if (url.pathname !== '/events' || (source !== 'query' && source !== 'header')) return refuseUpgrade(socket, '401 Unauthorized');
      wss.handleUpgrade(req, socket, head, serveEvents);
    } catch {
      socket.destroy();
    }
  });
  // A request Node cannot parse at all (bad request line, huge headers) gets a 400, not the default socket reset.
  server.on('clientError', (_err, socket) => {
    try {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    } catch {
      socket.destroy();
    }
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
