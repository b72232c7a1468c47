import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { FileFormatError } from '../core/errors.js';
import type { HostTensors } from '../core/host-tensor.js';
import { writeFileAtomic } from './node-files.js';
import {
  DEFAULT_SAFETENSORS_LIMITS,
  decodeEntry,
  headerLength,
  parseHeader,
  serializeSafetensors,
  type SafetensorsContent,
  type SafetensorsLimits,
} from './safetensors.js';

function readExactly(fd: number, length: number, position: number, file: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    // One read moves at most 1 GiB (Node refuses lengths of 2 GiB and more).
    const n = readSync(fd, out, done, Math.min(length - done, 1 << 30), position + done);
    if (n === 0) throw new FileFormatError(file, `ended after ${position + done} bytes while more were declared: truncated?`);
    done += n;
  }
  return out;
}

/**
 * Reads a safetensors file without ever holding it whole: anything but a regular file (a FIFO, a
 * device, a folder) is refused at once, the size and header are checked against the limits and the
 * header's entries against the data section before any tensor is read, then each tensor is read
 * straight into its own array (so files up to the 4 GiB limit load, not only those Node can hold in
 * one buffer). Never half-loaded.
 *
 * @example const { tensors, metadata } = readSafetensorsFile('weights.safetensors');
 */
export function readSafetensorsFile(path: string, limits: SafetensorsLimits = DEFAULT_SAFETENSORS_LIMITS): SafetensorsContent {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new FileFormatError(path, `cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileFormatError(path, 'is not a regular file (a folder, a FIFO or a device); name a .safetensors file');
    const size = stat.size;
    const prefix = readExactly(fd, Math.min(8, size), 0, path);
    const n = headerLength(prefix, size, path, limits);
    const header = parseHeader(readExactly(fd, n, 8, path), size - 8 - n, path);
    const tensors: HostTensors = {};
    for (const e of header.entries) tensors[e.name] = decodeEntry(e, readExactly(fd, e.end - e.begin, 8 + n + e.begin, path));
    return { tensors, metadata: header.metadata };
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

/** Writes tensors atomically (temporary file, fsync, rename): a crash never leaves half a file. */
export function writeSafetensorsFile(path: string, tensors: HostTensors, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
