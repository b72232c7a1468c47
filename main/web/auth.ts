import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header the page's own fetches carry the token in; a page elsewhere cannot add it without a CORS preflight we never answer. */
export const TOKEN_HEADER = 'x-fusebench-token';

/**
 * The cookie that lets the browser load the page's assets after the first, token-carrying URL.
 * Cookies ignore ports, so two hosts on one machine would overwrite each other's without the port in
 * the name; and since every local port shares the cookie, it authorises only reads of the page.
 */
export function tokenCookieName(port: number): string {
  return `fusebench_token_${port}`;
}

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

export type TokenSource = 'query' | 'header' | 'cookie';

/** Where a request's token came from, if it carries the right one. */
export function tokenSource(req: IncomingMessage, url: URL, token: string, port: number): TokenSource | undefined {
  const query = url.searchParams.get('token');
  if (query && same(query, token)) return 'query';
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && same(header, token)) return 'header';
  const c = cookie(req, tokenCookieName(port));
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

/**
 * Whether a request may change state or open the event stream: it must come from our own page. Browsers
 * send Origin on every POST and WebSocket and Sec-Fetch-Site on every request; a page on another port
 * of 127.0.0.1 is same-site but not same-origin, and is refused. Clients that are not browsers send
 * neither and are judged by their token alone.
 */
export function fromOwnOrigin(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}
