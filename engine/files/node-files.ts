import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileFormatError } from '../core/errors.js';
import { fsError } from './fs-errors.js';
import { MAX_PROFILE_BYTES, MAX_RESULTS_BYTES } from './limits.js';
import { parseJournal, parseProfile, parseResults, type Journal } from './read.js';
import type { JournalHeader, PointRecord, Profile, SweepResults } from './schemas.js';

/**
 * Reads a text file for a parser, refusing before it reads: anything but a regular file (a device
 * such as /dev/zero, a FIFO, a folder) and anything over `maxBytes`. The read itself stops at
 * `maxBytes + 1` too, since some files (/proc) report a size of 0. Problems are FileFormatErrors.
 * `noFollow`: a symbolic link is refused (a sweep folder's own files, which must stay in the folder).
 */
export function readText(path: string, maxBytes: number, options: { noFollow?: boolean } = {}): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    const noFollow = options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0;
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | noFollow);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ELOOP'
          ? 'is a symbolic link, which is not read here'
          : `cannot be read (${code ?? (e as Error).message})`;
    throw new FileFormatError(path, why);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileFormatError(path, 'is not a regular file; name a .json file');
    if (stat.size > maxBytes)
      throw new FileFormatError(path, `is ${stat.size} bytes, over the limit of ${maxBytes}; this is not a Fusebench file`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new FileFormatError(path, `is over the limit of ${maxBytes} bytes; this is not a Fusebench file`);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

export const readProfileFile = (path: string): Profile => parseProfile(path, readText(path, MAX_PROFILE_BYTES));
export const readResultsFile = (path: string): SweepResults => parseResults(path, readText(path, MAX_RESULTS_BYTES));
export const readJournalFile = (path: string): Journal => parseJournal(path, readText(path, MAX_RESULTS_BYTES));

/**
 * Creates a folder and its parents, or throws a FusebenchError naming it and the fix. Node's recursive
 * mkdir reports some refusals (a read-only file system) as ENOENT; the real reason comes from creating
 * the missing levels one by one.
 */
export function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (first) {
    const missing: string[] = [];
    for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    try {
      for (const d of missing) mkdirSync(d);
    } catch (e) {
      throw fsError(e, 'cannot create', dir);
    }
    throw fsError(first, 'cannot create', dir);
  }
}

/** Writes all of `data` at the fd's position, looping over short writes (a full disk writes part, then throws). */
function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    const n = writeSync(fd, data, offset, data.length - offset);
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    offset += n;
  }
}

/** Flushes a folder's entry list, so a rename survives a power cut; not every platform allows it. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open folders; the rename is as durable as the platform makes it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Refuses to write over anything but a regular file (or a symbolic link, which the rename replaces):
 * renaming over a device such as /dev/full or a FIFO would turn it into a plain file.
 */
function refuseNonRegular(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isFile() && !stat.isSymbolicLink()) {
    const what = stat.isDirectory()
      ? 'a folder'
      : stat.isFIFO()
        ? 'a FIFO'
        : stat.isCharacterDevice() || stat.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
    throw new FileFormatError(path, `is ${what}, not a file Fusebench may replace; name a file to write`, 'out');
  }
}

/**
 * Writes `content` so that readers see the old file or the whole new one, never a part: temp file in
 * the same folder, every byte written and checked, fsync, rename. On any failure (full disk,
 * read-only, name too long, no permission) the previous file is untouched, the temp file removed, and
 * a FusebenchError names the path and the fix.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  refuseNonRegular(path);
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  // Short and fixed-length, so a long target name cannot make the temp name too long on its own.
  const tmp = join(dirname(path), `.fusebench-${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    writeAll(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw fsError(e, 'cannot write', path);
  }
  fsyncDir(dirname(path));
}

/** A whole journal at once, atomically: its header, then one line per point (a resume's rewrite, a merge of shards). */
export function writeJournal(path: string, header: JournalHeader, points: readonly PointRecord[]): void {
  writeFileAtomic(path, [header, ...points].map((v) => `${JSON.stringify(v)}\n`).join(''));
}

/**
 * An append-only journal: the header line once, then one line per finished point, each flushed to
 * disk before the next point starts, so a crash or kill loses at most the point in flight. A line is
 * written whole or not at all: after a failed write the file is cut back to its last whole line.
 */
export class JournalWriter {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    private size: number,
  ) {}

  /**
   * Starts a journal with its header, replacing any file there (the caller holds the sweep folder's
   * lock, and has checked that what is there is no journal worth keeping). The header appears whole
   * (atomic write), so a kill during creation leaves no journal or a valid one with no points.
   */
  static create(path: string, header: JournalHeader): JournalWriter {
    writeFileAtomic(path, `${JSON.stringify(header)}\n`);
    return JournalWriter.open(path);
  }

  /**
   * Continues a journal read with readJournalFile, keeping the points in `keep` (by default all): the
   * journal is first rewritten (atomically) without a cut-off last line and without the points the
   * sweep will measure again, so that no key is ever written twice.
   */
  static resume(path: string, journal: Journal, keep: readonly PointRecord[] = journal.points): JournalWriter {
    if (journal.truncatedTail || keep.length !== journal.points.length) writeJournal(path, journal.header, keep);
    return JournalWriter.open(path);
  }

  private static open(path: string): JournalWriter {
    try {
      // O_NOFOLLOW: a journal that is a symbolic link could point anywhere; it is never appended to.
      const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
      if (!fstatSync(fd).isFile()) {
        closeSync(fd);
        throw new FileFormatError(path, 'is not a regular file; a journal is appended to only where it is one');
      }
      return new JournalWriter(path, fd, fstatSync(fd).size);
    } catch (e) {
      throw fsError(e, 'cannot append to', path);
    }
  }

  append(point: PointRecord): void {
    const line = Buffer.from(`${JSON.stringify(point)}\n`);
    try {
      writeAll(this.fd, line);
      fsyncSync(this.fd);
      this.size += line.length;
    } catch (e) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // The reader drops a cut-off last line anyway; the error below is what matters.
      }
      throw fsError(e, 'cannot append to', this.path);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
