import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { readText, writeFileAtomic } from '../../engine/node.js';
import type { RecentFile } from '../api.js';

const MAX_RECENT = 12;
const MAX_LIST_BYTES = 256 * 1024;
const entrySchema = z.strictObject({
  kind: z.enum(['profile', 'results']),
  name: z.string().max(512),
  path: z.string().max(4096),
  at: z.string().max(64),
  /** The user chose this file in a native dialog (Electron): it may lie outside the workspace. */
  granted: z.boolean().optional(),
});
const recentSchema = z.array(entrySchema).max(MAX_RECENT * 4);

/** An entry as stored: the API's RecentFile plus how Fusebench came to know it. */
export type RecordedFile = z.infer<typeof entrySchema>;

/**
 * The recent-files list, most recent first. It lives where no API call can write (the web host keeps
 * it in `<workspace>/.fusebench/`, which saveFile cannot name; Electron in its user-data folder), so
 * every entry is one Fusebench recorded itself. A damaged list is treated as empty rather than
 * blocking the app (it is a convenience, not work); it is rewritten on the next add.
 */
export class RecentFiles {
  constructor(private readonly path: string) {}

  entries(): RecordedFile[] {
    if (!existsSync(this.path)) return [];
    try {
      return recentSchema.parse(JSON.parse(readText(this.path, MAX_LIST_BYTES)));
    } catch {
      return [];
    }
  }

  list(): RecentFile[] {
    return this.entries().map(({ kind, name, path, at }) => ({ kind, name, path, at }));
  }

  add(entry: Omit<RecordedFile, 'at'>): void {
    const list = [{ ...entry, at: new Date().toISOString() }, ...this.entries().filter((r) => r.path !== entry.path)].slice(0, MAX_RECENT);
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileAtomic(this.path, JSON.stringify(list, null, 1));
  }
}
