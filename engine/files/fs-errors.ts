import { FusebenchError } from '../core/errors.js';

/** What each file-system refusal means for the user, and the fix. */
const FIXES: Record<string, string> = {
  ENOSPC: 'the disk is full; free some space or choose another --out',
  EDQUOT: 'the disk quota is used up; free some space or choose another --out',
  EROFS: 'the file system is read-only; choose a writable --out',
  EACCES: 'permission denied; choose a folder you may write to',
  EPERM: 'permission denied; choose a folder you may write to',
  ENAMETOOLONG: 'the path is too long; use a shorter profile name or --out',
  ENOTDIR: 'a part of the path is a file, not a folder; choose another --out',
  EISDIR: 'the path is a folder; name a file',
  ENOENT: 'it does not exist',
  EMFILE: 'too many open files; close other programs and try again',
  EIO: 'the disk reported an I/O error',
};

/**
 * A file-system error as one line a user can act on (a FusebenchError, so hosts exit 2 or answer
 * ok:false), or the error itself when it is not one users cause.
 *
 * @example throw fsError(e, 'cannot write', path)
 */
export function fsError(err: unknown, action: string, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const fix = code ? FIXES[code] : undefined;
  return fix ? new FusebenchError(`${action} ${path}: ${fix} (${code})`, 'file') : err;
}
