import { FileFormatError } from '../core/errors.js';
import { elementCount, showShape, type HostTensor, type HostTensors } from '../core/host-tensor.js';

/**
 * safetensors (https://huggingface.co/docs/safetensors), read and written without a dependency:
 *
 *   u64 LE  N             byte length of the header
 *   N bytes header        UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { str: str } }
 *   rest    data          every tensor's bytes, little-endian, row-major, at [begin, end) of this section
 *
 * Every rule is checked before a tensor is decoded, so a bad file is refused whole (FileFormatError
 * naming the file and the problem), never half-loaded. docs/pytorch.md says which names Fusebench uses.
 */

/** Limits checked before anything is read: a header is metadata (100 MB is safetensors' own cap). */
export interface SafetensorsLimits {
  maxHeaderBytes: number;
  maxFileBytes: number;
}

export const DEFAULT_SAFETENSORS_LIMITS: SafetensorsLimits = { maxHeaderBytes: 100_000_000, maxFileBytes: 4 * 1024 ** 3 };

const DTYPES = { F32: 'float32', F64: 'float64', I64: 'int64', I32: 'int32', BOOL: 'bool' } as const;
type FileDtype = keyof typeof DTYPES;
const ITEM_BYTES: Record<HostTensor['dtype'], number> = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1 };
const FILE_DTYPE: Record<HostTensor['dtype'], FileDtype> = { float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32', bool: 'BOOL' };
/** Dtypes safetensors defines that Fusebench does not read, for a precise message. */
const OTHER_DTYPES = ['F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'I16', 'I8', 'U8', 'U16', 'U32', 'U64'];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor's entry in the header, validated. */
export interface SafetensorsEntry {
  name: string;
  dtype: HostTensor['dtype'];
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Bytes of the data section the header describes (its entries cover it exactly). */
  dataBytes: number;
}

export interface SafetensorsContent {
  tensors: HostTensors;
  metadata: Record<string, string>;
}

/**
 * The header length from the file's first 8 bytes, checked against the file's size and the limits.
 * Returns the offset where the data section starts.
 */
export function headerLength(prefix: Uint8Array, fileBytes: number, file: string, limits = DEFAULT_SAFETENSORS_LIMITS): number {
  if (fileBytes > limits.maxFileBytes) {
    throw new FileFormatError(file, `is ${fileBytes} bytes, over the ${limits.maxFileBytes}-byte limit for a safetensors file`);
  }
  if (fileBytes < 8 || prefix.length < 8) {
    throw new FileFormatError(file, `is ${fileBytes} bytes: too short for a safetensors file (an 8-byte header length comes first)`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(limits.maxHeaderBytes)) {
    throw new FileFormatError(file, `declares a ${n}-byte header, over the ${limits.maxHeaderBytes}-byte limit: not a safetensors file?`);
  }
  if (8n + n > BigInt(fileBytes)) {
    throw new FileFormatError(file, `declares a ${n}-byte header but holds only ${fileBytes - 8} bytes after the length: truncated?`);
  }
  return Number(n);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and validates the JSON header against the data section's length. */
export function parseHeader(headerBytes: Uint8Array, dataBytes: number, file: string): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw new FileFormatError(file, `the safetensors header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new FileFormatError(file, 'the safetensors header must be a JSON object of tensors');
  }
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new FileFormatError(file, '__metadata__ must be an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new FileFormatError(file, `__metadata__.${k} must be a string, got ${typeof v}`);
        if (k === '__proto__') throw new FileFormatError(file, "__metadata__ has the key '__proto__'; remove it");
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, raw, dataBytes, file));
  }
  checkCoverage(entries, dataBytes, file);
  return { entries, metadata, dataBytes };
}

function parseEntry(name: string, raw: unknown, dataBytes: number, file: string): SafetensorsEntry {
  const where = `tensor '${name}'`;
  if (name === '') throw new FileFormatError(file, 'a tensor has an empty name');
  // JSON.parse keeps '__proto__' as a key; stored under that name the tensor would vanish.
  if (name === '__proto__') throw new FileFormatError(file, "a tensor is named '__proto__', which no layer has; rename it", name);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new FileFormatError(file, `${where} must be an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPES)) {
    const known = typeof dtype === 'string' && OTHER_DTYPES.includes(dtype);
    throw new FileFormatError(
      file,
      `${where} has dtype ${JSON.stringify(dtype)}: ${known ? 'not supported; ' : ''}Fusebench reads F32, F64, I64, I32 and BOOL ` +
        '(in PyTorch, save tensor.float() or tensor.double())',
    );
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    throw new FileFormatError(file, `${where}: shape must be a list of whole numbers ≥ 0, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
    throw new FileFormatError(file, `${where}: data_offsets must be [begin, end] in bytes, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const h = DTYPES[dtype as FileDtype];
  const expected = elementCount(shape) * ITEM_BYTES[h];
  if (end < begin || end > dataBytes) {
    throw new FileFormatError(file, `${where}: data_offsets [${begin}, ${end}] fall outside the ${dataBytes}-byte data section`);
  }
  if (end - begin !== expected) {
    throw new FileFormatError(
      file,
      `${where}: shape ${showShape(shape)} of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: h, shape: shape as number[], begin, end };
}

/** The entries must tile the data section: no overlap, no gap, nothing after the last one. */
function checkCoverage(entries: SafetensorsEntry[], dataBytes: number, file: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at) throw new FileFormatError(file, `tensor '${e.name}' overlaps the tensor before it (bytes ${e.begin}–${at})`);
    if (e.begin > at) throw new FileFormatError(file, `bytes ${at}–${e.begin} of the data section belong to no tensor`);
    at = e.end;
  }
  if (at !== dataBytes)
    throw new FileFormatError(file, `the data section has ${dataBytes - at} bytes after the last tensor: truncated or padded?`);
}

/**
 * A tensor from its own little-endian bytes (`bytes` is the entry's data and nothing else, owned by
 * the tensor from now on): a typed array of the entry's dtype over it.
 */
export function decodeEntry(entry: SafetensorsEntry, bytes: Uint8Array): HostTensor {
  if (!LITTLE_ENDIAN) swapBytes(bytes, ITEM_BYTES[entry.dtype]);
  const shape = [...entry.shape];
  if (entry.dtype === 'float32') return { dtype: 'float32', shape, data: new Float32Array(bytes.buffer) };
  if (entry.dtype === 'float64') return { dtype: 'float64', shape, data: new Float64Array(bytes.buffer) };
  if (entry.dtype === 'int32') return { dtype: 'int32', shape, data: new Int32Array(bytes.buffer) };
  if (entry.dtype === 'bool') return { dtype: 'bool', shape, data: bytes };
  return { dtype: 'int64', shape, data: new BigInt64Array(bytes.buffer) };
}

/** Reverses each item's bytes in place (only on big-endian hosts; the format is little-endian). */
function swapBytes(bytes: Uint8Array, item: number): void {
  for (let i = 0; i < bytes.length; i += item) bytes.subarray(i, i + item).reverse();
}

/**
 * Reads a whole safetensors file from memory; every rule is checked before any tensor is decoded.
 *
 * @example const { tensors } = parseSafetensors(readFileSync('w.safetensors'), 'w.safetensors');
 */
export function parseSafetensors(bytes: Uint8Array, file: string, limits = DEFAULT_SAFETENSORS_LIMITS): SafetensorsContent {
  const n = headerLength(bytes.subarray(0, 8), bytes.length, file, limits);
  const header = parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, file);
  const data = bytes.subarray(8 + n);
  const tensors: HostTensors = {};
  for (const e of header.entries) tensors[e.name] = decodeEntry(e, data.slice(e.begin, e.end));
  return { tensors, metadata: header.metadata };
}

/** The data section of one tensor, little-endian. */
function encode(t: HostTensor): Uint8Array {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  if (!LITTLE_ENDIAN) swapBytes(bytes, ITEM_BYTES[t.dtype]);
  return bytes;
}

/**
 * Writes tensors (names sorted, data contiguous) and string metadata as a safetensors file. The
 * header is padded with spaces to a multiple of 8 bytes so that readers can map the data aligned.
 *
 * @example writeFileSync('w.safetensors', serializeSafetensors({ input: float32([2, 3], data) }, { config: '{}' }));
 */
export function serializeSafetensors(tensors: HostTensors, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let at = 0;
  const parts: Uint8Array[] = [];
  for (const name of names) {
    const t = tensors[name]!;
    if (t.data.length !== elementCount(t.shape)) {
      throw new Error(`tensor '${name}': shape ${showShape(t.shape)} needs ${elementCount(t.shape)} values, got ${t.data.length}`);
    }
    const bytes = encode(t);
    header[name] = { dtype: FILE_DTYPE[t.dtype], shape: t.shape, data_offsets: [at, at + bytes.length] };
    parts.push(bytes);
    at += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let offset = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
