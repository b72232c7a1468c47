/**
 * The desktop app's security policy as data and pure checks, kept free of Electron imports so the
 * unit tests can exercise every rule without the Electron binary.
 */
import { contentSecurityPolicy } from '../assets/content-security-policy.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'fusebench';
/** Every page we load lives under this prefix; anything else is foreign. */
export const APP_URL_PREFIX = `${APP_SCHEME}://${APP_HOST}/`;
export const APP_ENTRY_URL = `${APP_URL_PREFIX}index.html`;

/** Sent on every app:// response: the one policy of the app's pages (main/assets/content-security-policy.ts). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** Headers on every app:// response: the CSP, and cross-origin isolation so threaded wasm may use SharedArrayBuffer. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
}

export function isAppUrl(url: string): boolean {
  return url.startsWith(APP_URL_PREFIX);
}

/**
 * The only sites a link in the app may open in the OS browser: the project's home and the frameworks'
 * documentation. Anything else is dropped: the page is ours, so a link elsewhere means injected content.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'github.com',
  'js.tensorflow.org',
  'www.tensorflow.org',
  'pytorch.org',
  'docs.pytorch.org',
];

/**
 * The URL to hand to the OS browser for a link the page tried to open, or null to drop it. Only plain
 * https links to an allowed host (exactly; no subdomains, no other port) qualify: other schemes
 * (file:, smb:, custom handlers) can launch local programs, and embedded credentials are a phishing tell.
 */
export function externalLinkTarget(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.port) return null;
  if (!EXTERNAL_LINK_HOSTS.includes(parsed.hostname)) return null;
  return parsed.href;
}
