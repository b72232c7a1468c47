import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FileFormatError } from '../core/errors.js';
import type { HostTensors } from '../core/host-tensor.js';
import { writeFileAtomic } from './node-files.js';
import {
  DEFAULT_SAFETENSORS_LIMITS,
  headerLength,
  parseSafetensors,
  serializeSafetensors,
  type SafetensorsContent,
  type SafetensorsLimits,
} from './safetensors.js';

function readExactly(fd: number, length: number, position: number, file: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new FileFormatError(file, `ended after ${position + done} bytes while more were declared: truncated?`);
    done += n;
  }
  return out;
}

/**
 * Reads a safetensors file: its size and header length are checked against the limits before the
 * rest is read, so a huge or foreign file is refused without loading it. Never half-loaded.
 *
 * @example const { tensors, metadata } = readSafetensorsFile('weights.safetensors');
 */
export function readSafetensorsFile(path: string, limits: SafetensorsLimits = DEFAULT_SAFETENSORS_LIMITS): SafetensorsContent {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new FileFormatError(path, `cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const prefix = readExactly(fd, Math.min(8, size), 0, path);
    headerLength(prefix, size, path, limits);
    return parseSafetensors(readExactly(fd, size, 0, path), path, limits);
  } finally {
    closeSync(fd);
  }
}

/** Writes tensors atomically (temporary file, fsync, rename): a crash never leaves half a file. */
export function writeSafetensorsFile(path: string, tensors: HostTensors, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
