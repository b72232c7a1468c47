/**
 * Maps app:// request URLs to files of the built renderer: the scheme and host check here, the path
 * rules in the resolver the web host shares (main/assets/asset-resolver.ts). Pure, so unit-tested.
 */
import { resolveAsset, type AssetLookup } from '../assets/asset-resolver.js';
import { APP_HOST, APP_SCHEME } from './policy.js';

export type AppFileLookup = AssetLookup;

/** Where `url` points inside `root`, or why it is refused (a foreign origin, or the resolver's reasons). */
export function resolveAppFile(url: string, root: string): AppFileLookup {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST)
    return { ok: false, status: 403, reason: `foreign origin ${parsed.origin}` };
  return resolveAsset(parsed.pathname, root);
}
