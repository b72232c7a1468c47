/**
 * The one way hosts map a request path to a file of the built renderer: the web host's static files
 * and Electron's app:// protocol both go through it. Pure path rules first (unit-tested without a file
 * system), then a read that refuses symlinks leading out of the folder.
 */
import { open, realpath } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

export type AssetLookup = { ok: true; file: string; contentType: string } | { ok: false; status: 400 | 403 | 404; reason: string };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming refuses any other type.
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** The largest asset served (the renderer's biggest file, the wasm binary, is a few MB). */
export const MAX_ASSET_BYTES = 64 * 1024 * 1024;

/**
 * Where a URL path (still percent-encoded, as in the request line) points inside `root`, or why it
 * is refused. URL parsers fold `..` segments, but not percent-encoded separators and dots, backslashes
 * (Windows separators) or NUL bytes; and malformed percent-encoding must be a 400, not an exception.
 *
 * @example resolveAsset('/assets/index.js', '/app/dist/renderer') // { ok: true, file: '/app/dist/renderer/assets/index.js', … }
 */
export function resolveAsset(pathname: string, root: string): AssetLookup {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 400, reason: 'bad percent-encoding' };
  }
  if (path.includes('\0') || path.includes('\\')) return { ok: false, status: 400, reason: 'bad characters in path' };
  if (path === '/' || path === '') path = '/index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path.startsWith('/') ? path : `/${path}`}`);
  if (!file.startsWith(base + sep)) return { ok: false, status: 403, reason: 'outside the renderer folder' };
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  if (!contentType) return { ok: false, status: 404, reason: `no content type for ${extname(file) || 'a file without extension'}` };
  return { ok: true, file, contentType };
}

export type AssetRead = { ok: true; body: Buffer; contentType: string } | { ok: false; status: 404; reason: string };

/**
 * Reads a resolved asset, refusing what is not a regular file inside the real root (a symlink that
 * leads out of the folder, a device, a folder) and anything over MAX_ASSET_BYTES.
 */
export async function readAsset(found: Extract<AssetLookup, { ok: true }>, root: string): Promise<AssetRead> {
  try {
    const [real, realRoot] = await Promise.all([realpath(found.file), realpath(root)]);
    if (!real.startsWith(realRoot + sep)) return { ok: false, status: 404, reason: 'not found' };
    const handle = await open(real, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile() || stat.size > MAX_ASSET_BYTES) return { ok: false, status: 404, reason: 'not found' };
      return { ok: true, body: await handle.readFile(), contentType: found.contentType };
    } finally {
      await handle.close();
    }
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
}
