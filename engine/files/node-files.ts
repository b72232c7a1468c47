import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, existsSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError } from '../core/errors.js';
import { parseJournal, parseProfile, parseResults, type Journal } from './read.js';
import type { JournalHeader, PointRecord, Profile, SweepResults } from './schemas.js';

/** Reads a file for a parser, turning a missing or unreadable file into a FileFormatError. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(path, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`);
  }
}

export const readProfileFile = (path: string): Profile => parseProfile(path, readText(path));
export const readResultsFile = (path: string): SweepResults => parseResults(path, readText(path));
export const readJournalFile = (path: string): Journal => parseJournal(path, readText(path));

/** Writes `content` so that readers see the old file or the whole new one, never a part: temp file, fsync, rename. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
}

/**
 * An append-only journal: the header line once, then one line per finished point, each flushed to
 * disk before the next point starts, so a crash or kill loses at most the point in flight.
 */
export class JournalWriter {
  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  /** Starts a new journal (the file must not exist) with its header. */
  static create(path: string, header: JournalHeader): JournalWriter {
    const fd = openSync(path, 'wx');
    const w = new JournalWriter(path, fd);
    w.line(header);
    return w;
  }

  /** Continues a journal read with readJournalFile; a cut-off last line (a crash mid-write) is dropped first. */
  static resume(path: string, journal: Journal): JournalWriter {
    if (journal.truncatedTail) {
      writeFileAtomic(path, [journal.header, ...journal.points].map((v) => `${JSON.stringify(v)}\n`).join(''));
    }
    return new JournalWriter(path, openSync(path, 'a'));
  }

  append(point: PointRecord): void {
    this.line(point);
  }

  private line(value: unknown): void {
    writeSync(this.fd, `${JSON.stringify(value)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
