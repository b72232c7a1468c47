/**
 * Serves the built renderer from app://fusebench/ instead of file://, so the page has a real origin
 * (its own storage, CSP, no access to other local files) and every response carries our headers.
 */
import { protocol } from 'electron';
import { readAsset } from '../assets/asset-resolver.js';
import { resolveAppFile } from './app-files.js';
import { APP_SCHEME, appResponseHeaders } from './policy.js';

/** Must run before the app is ready: privileges are fixed when Chromium starts. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    // standard: relative URLs and origins work; secure: treated like https (crypto, wasm threads);
    // supportFetchAPI: the page can fetch its own assets (wasm files).
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

function refuse(status: number, reason: string): Response {
  return new Response(reason, { status, headers: appResponseHeaders('text/plain; charset=utf-8') });
}

export function serveApp(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'read-only');
    const found = resolveAppFile(request.url, root);
    if (!found.ok) return refuse(found.status, found.reason);
    const asset = await readAsset(found, root);
    if (!asset.ok) return refuse(asset.status, asset.reason);
    return new Response(new Uint8Array(asset.body), { headers: appResponseHeaders(asset.contentType) });
  });
}
