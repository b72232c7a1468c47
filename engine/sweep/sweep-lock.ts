import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { FusebenchError } from '../core/errors.js';
import { fsError } from '../files/fs-errors.js';

/** The lock file in a sweep folder: whoever holds it is the one process appending to its journal. */
export const LOCK_FILE = '.fusebench.lock';

/** Who holds a sweep folder. */
export interface LockOwner {
  pid: number;
  /** The worker thread inside that process (the web host runs several sweeps in one process). */
  threadId: number;
  host: string;
  startedAt: string;
  /** Tells this lock from an earlier one of the same process. */
  nonce: string;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.nonce === 'string' ? (v as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock whose process is gone (killed, crashed, machine restarted): safe to take over. Only decidable on this host. */
function stale(owner: LockOwner | undefined): boolean {
  return owner === undefined || (owner.host === hostname() && !processAlive(owner.pid));
}

/** Writes the lock whole, then links it into place: the link fails if any lock exists, so exactly one writer wins. */
function tryCreate(path: string, owner: LockOwner): boolean {
  const tmp = `${path}.${owner.nonce}.tmp`;
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes a stale lock, unless another writer replaced it meanwhile (then that one stays). */
function removeStale(path: string, seen: LockOwner | undefined): void {
  const grave = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(path, grave);
  } catch {
    return; // already gone
  }
  const moved = readOwner(grave);
  if (moved && seen && moved.nonce !== seen.nonce) {
    try {
      linkSync(grave, path); // a live lock was taken by mistake: put it back
    } catch {
      // someone else holds it now; ours stays refused either way
    }
  }
  rmSync(grave, { force: true });
}

export interface SweepLock {
  owner: LockOwner;
  /** The writer whose stale lock this one replaced: a sweep in this folder was stopped (kill -9, crash) mid-way. */
  replaced?: LockOwner;
  release(): void;
}

/**
 * Who holds a sweep folder's lock, when a live writer does (on this host, or on another, where liveness
 * cannot be told); undefined when the folder is free or its lock is stale.
 *
 * @example lockHolder('runs/seed-quick')?.pid // 4242 while a sweep writes there
 */
export function lockHolder(outDir: string): LockOwner | undefined {
  const path = join(outDir, LOCK_FILE);
  if (!existsSync(path)) return undefined;
  const owner = readOwner(path);
  return owner && !stale(owner) ? owner : undefined;
}

/**
 * Takes the sweep folder's lock, or throws a one-line FusebenchError naming the holder and the fix. A
 * lock left by a process that no longer runs on this machine is taken over.
 *
 * @example const lock = acquireSweepLock(outDir); try { … } finally { lock.release(); }
 */
export function acquireSweepLock(outDir: string): SweepLock {
  const path = join(outDir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    threadId,
    host: hostname(),
    startedAt: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  };
  let replaced: LockOwner | undefined;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(path, owner)) {
        return {
          owner,
          ...(replaced ? { replaced } : {}),
          release: () => {
            if (readOwner(path)?.nonce === owner.nonce) rmSync(path, { force: true });
          },
        };
      }
      const holder = readOwner(path);
      if (!stale(holder)) {
        const h = holder!;
        throw new FusebenchError(
          `${outDir} is in use by another Fusebench sweep (pid ${h.pid} on ${h.host}, since ${h.startedAt}); wait for it to finish or ` +
            `stop it, or use another --out${h.host === hostname() ? '' : `; if it no longer runs on ${h.host}, delete ${path}`}`,
          'usage',
          'outDir',
        );
      }
      removeStale(path, holder);
      replaced = holder ?? { pid: 0, threadId: 0, host: hostname(), startedAt: 'unknown', nonce: 'unreadable' };
    }
  } catch (e) {
    throw e instanceof FusebenchError ? e : fsError(e, 'cannot lock', path);
  }
  throw new FusebenchError(
    `${outDir}: could not take the sweep lock ${path} (another writer keeps taking it); try again`,
    'usage',
    'outDir',
  );
}

/**
 * Removes the lock of a sweep whose engine was stopped from outside (killed after the cancel grace,
 * crashed), if that engine still holds it. A worker thread shares its host's pid, so without this the
 * web host would keep a dead sweep's folder locked for as long as it runs.
 */
export function releaseAbandonedLock(outDir: string, holder: { pid: number; threadId: number }): void {
  const path = join(outDir, LOCK_FILE);
  const owner = readOwner(path);
  if (owner && owner.pid === holder.pid && owner.threadId === holder.threadId && owner.host === hostname()) rmSync(path, { force: true });
}
