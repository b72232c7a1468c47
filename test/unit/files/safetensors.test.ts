import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '../../../engine/core/errors.js';
import type { HostTensors } from '../../../engine/core/host-tensor.js';
import { parseSafetensors, serializeSafetensors } from '../../../engine/files/safetensors.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../../engine/files/node-safetensors.js';
import { TORCH, reportSkip } from '../torch/torch-available.js';

reportSkip('safetensors.test.ts');

const SAMPLE: HostTensors = {
  'conv.weight': { dtype: 'float32', shape: [2, 3, 1, 1], data: Float32Array.from([1, -2, 3.5, 4e-8, -5e7, 6]) },
  'bn.running_var': { dtype: 'float64', shape: [3], data: Float64Array.from([0.1, Math.PI, -1e-300]) },
  'bn.num_batches_tracked': { dtype: 'int64', shape: [], data: BigInt64Array.from([42n]) },
  empty: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
};

/** A file from a header object and a data section, for malformed cases. */
function file(header: unknown, data = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32, F64, I64, empty tensors and metadata exactly', () => {
    const bytes = serializeSafetensors(SAMPLE, { config: '{"groups":3}' });
    expect(new DataView(bytes.buffer).getBigUint64(0, true) % 8n).toBe(0n);
    const back = parseSafetensors(bytes, 'sample');
    expect(back.metadata).toEqual({ config: '{"groups":3}' });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(SAMPLE).sort());
    for (const [name, t] of Object.entries(SAMPLE)) {
      expect(back.tensors[name]!.dtype, name).toBe(t.dtype);
      expect(back.tensors[name]!.shape, name).toEqual(t.shape);
      expect(Array.from(back.tensors[name]!.data as ArrayLike<number | bigint>), name).toEqual(
        Array.from(t.data as ArrayLike<number | bigint>),
      );
    }
  });

  const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
  it.each([
    [
      'a header length past the end',
      (() => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 100n, true);
        return b;
      })(),
      /truncated/,
    ],
    [
      'a header over the cap',
      (() => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
        return b;
      })(),
      /over the 100000000-byte limit/,
    ],
    ['fewer than 8 bytes', new Uint8Array(3), /too short/],
    ['a header that is not JSON', file(null, undefined, '{"a": '), /not UTF-8 JSON/],
    ['a header that is a list', file([]), /must be a JSON object/],
    ['an unsupported dtype', file({ t: entry('F16', [1], [0, 2]) }, new Uint8Array(2)), /dtype "F16": not supported/],
    ['a shape with a negative size', file({ t: entry('F32', [-1], [0, 4]) }, new Uint8Array(4)), /shape must be a list of whole numbers/],
    ['offsets outside the data', file({ t: entry('F32', [2], [0, 8]) }, new Uint8Array(4)), /fall outside the 4-byte data section/],
    [
      'a shape product that does not match the bytes',
      file({ t: entry('F32', [3], [0, 8]) }, new Uint8Array(8)),
      /needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    ],
    ['overlapping tensors', file({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, new Uint8Array(8)), /overlaps/],
    [
      'a gap between tensors',
      file({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, new Uint8Array(12)),
      /belong to no tensor/,
    ],
    ['bytes after the last tensor', file({ a: entry('F32', [1], [0, 4]) }, new Uint8Array(8)), /4 bytes after the last tensor/],
    ['non-string metadata', file({ __metadata__: { a: 1 } }), /__metadata__\.a must be a string/],
  ])('refuses %s, naming the file', (_what, bytes, message) => {
    expect(() => parseSafetensors(bytes, 'bad.safetensors')).toThrow(FileFormatError);
    expect(() => parseSafetensors(bytes, 'bad.safetensors')).toThrow(message);
    expect(() => parseSafetensors(bytes, 'bad.safetensors')).toThrow(/^bad\.safetensors: /);
  });

  it('checks the size cap before reading a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-st-'));
    const path = join(dir, 'w.safetensors');
    writeSafetensorsFile(path, SAMPLE);
    expect(Object.keys(readSafetensorsFile(path).tensors)).toHaveLength(4);
    expect(() => readSafetensorsFile(path, { maxHeaderBytes: 1e8, maxFileBytes: 64 })).toThrow(/over the 64-byte limit/);
    expect(() => readSafetensorsFile(join(dir, 'missing.safetensors'))).toThrow(/cannot be opened \(ENOENT\)/);
    writeFileSync(path, serializeSafetensors(SAMPLE).subarray(0, 100));
    expect(() => readSafetensorsFile(path)).toThrow(FileFormatError);
  });

  it.skipIf(!TORCH)('reads files written by Python torch, and Python reads ours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-st-py-'));
    const pyFile = join(dir, 'py.safetensors');
    const tsFile = join(dir, 'ts.safetensors');
    writeSafetensorsFile(tsFile, { w: { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } });
    // The reference writer where installed, else the worker's stdlib one (engine/torch/safetensors_io.py).
    const script = `
import sys, json, torch
sys.path.insert(0, 'engine/torch')
try:
    from safetensors.torch import save_file
    writer = 'safetensors'
except ImportError:
    from safetensors_io import save_file
    writer = 'fusebench safetensors_io'
from safetensors_io import load_file
t = {'a': torch.arange(6, dtype=torch.float32).reshape(2, 3) / 7, 'b': torch.tensor([1.5, -2.25], dtype=torch.float64),
     'c': torch.tensor(3, dtype=torch.int64), 'd': torch.randn(4, 5, 3, 2).double()}
save_file(t, sys.argv[1])
back, _ = load_file(sys.argv[2])
print(json.dumps({'writer': writer, 'd': t['d'].flatten().tolist(), 'w': back['w'].flatten().tolist()}))`;
    const r = spawnSync(TORCH!.python, ['-B', '-c', script, pyFile, tsFile], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const py = JSON.parse(r.stdout) as { writer: string; d: number[]; w: number[] };
    console.info(`safetensors written by ${py.writer}`);
    expect(py.w).toEqual([1, 2, 3, 4]);
    const { tensors } = readSafetensorsFile(pyFile);
    expect(tensors.a).toMatchObject({ dtype: 'float32', shape: [2, 3] });
    expect(Array.from(tensors.a!.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5].map((v) => Math.fround(v / 7)));
    expect(Array.from(tensors.b!.data as Float64Array)).toEqual([1.5, -2.25]);
    expect(tensors.c).toMatchObject({ dtype: 'int64', shape: [] });
    expect(Array.from(tensors.d!.data as Float64Array)).toEqual(py.d);
  });
});
