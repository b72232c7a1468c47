import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../engine/files/node-files.js';
import type { RecentFile } from '../api.js';

const MAX_RECENT = 12;
const recentSchema = z.array(z.strictObject({ kind: z.enum(['profile', 'results']), name: z.string(), path: z.string(), at: z.string() }));

/**
 * The recent-files list, most recent first. A damaged list is treated as empty rather than blocking
 * the app (it is a convenience, not work); it is rewritten on the next add.
 */
export class RecentFiles {
  constructor(private readonly path: string) {}

  list(): RecentFile[] {
    if (!existsSync(this.path)) return [];
    try {
      return recentSchema.parse(JSON.parse(readFileSync(this.path, 'utf8')));
    } catch {
      return [];
    }
  }

  add(entry: Omit<RecentFile, 'at'>): void {
    const list = [{ ...entry, at: new Date().toISOString() }, ...this.list().filter((r) => r.path !== entry.path)].slice(0, MAX_RECENT);
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileAtomic(this.path, JSON.stringify(list, null, 1));
  }
}
