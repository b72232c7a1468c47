import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-fusebench-token';
export const TOKEN_COOKIE = 'fusebench_token';

/** A fresh per-run token: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Where a request's token came from, if it carries the right one. */
export function tokenSource(req: IncomingMessage, url: URL, token: string): 'query' | 'header' | 'cookie' | undefined {
  if (url.searchParams.get('token') && same(url.searchParams.get('token')!, token)) return 'query';
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && same(header, token)) return 'header';
  const c = cookie(req, TOKEN_COOKIE);
  if (c && same(c, token)) return 'cookie';
  return undefined;
}

/**
 * Only requests addressed to our loopback origin are served: a page elsewhere that resolves its own
 * name to 127.0.0.1 (DNS rebinding) sends its own Host header and is refused.
 */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
}

/** WebSocket upgrades must come from our own page (browsers always send Origin on them). */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}
