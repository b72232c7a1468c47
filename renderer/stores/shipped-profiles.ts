/// <reference types="vite/client" />
/**
 * The profiles shipped in profiles/*.profile.json, bundled into the UI at build time (Vite's glob
 * import) so the editor can offer them as starting points in the desktop app and the browser alike,
 * without a host call.
 */
import type { Profile } from '../../main/api';

const files = import.meta.glob<Profile>('../../profiles/*.profile.json', { eager: true, import: 'default' });

export interface ShippedProfile {
  /** The file's stem, e.g. `seed-quick`. */
  name: string;
  description: string;
  profile: Profile;
}

export const SHIPPED_PROFILES: readonly ShippedProfile[] = Object.entries(files)
  .map(([path, profile]) => ({
    name: path.slice(path.lastIndexOf('/') + 1).replace(/\.profile\.json$/, ''),
    description: profile.description ?? '',
    profile,
  }))
  .sort((a, b) => a.name.localeCompare(b.name));
