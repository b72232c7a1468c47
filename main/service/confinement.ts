import { realpathSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The folders a host may read and write for its UI: the workspace (and, in Electron, the files the
 * user chose in a native dialog, which the service grants one by one). Paths are compared after
 * resolving symlinks, so a link inside the workspace cannot lead out of it.
 */
export class Confinement {
  constructor(private readonly roots: readonly string[]) {}

  /**
   * Whether a file resolves inside a root. A missing file is judged by its path (reading it will say
   * it does not exist, which leaks nothing).
   */
  allowsRead(path: string): boolean {
    const file = real(path) ?? resolve(path);
    return this.roots.some((r) => within(file, real(r) ?? resolve(r)));
  }

  /** Whether a file may be written at `path`: its folder resolves inside a root. */
  allowsWrite(path: string): boolean {
    const folder = real(dirname(resolve(path)));
    return folder !== undefined && this.roots.some((r) => within(folder, real(r) ?? resolve(r)));
  }
}
