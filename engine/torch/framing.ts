import { z } from 'zod';
import { elementCount, isFloat, showShape, type HostTensor, type HostTensors } from '../core/host-tensor.js';

/**
 * The torch worker's frames (the Python side is framing.py beside this file; docs/pytorch.md):
 *
 *   u32 LE n | u32 LE h | h bytes of JSON header | n − 4 − h bytes of payload
 *
 * The header is `{"v": 1, "id", "type", …, "tensors": [{name, dtype: "f32"|"f64", shape, offset, length}]}`
 * and each tensor's little-endian bytes sit at `offset` in the payload, 8-byte aligned.
 */
export const PROTOCOL_VERSION = 1;

/**
 * Largest frame either side accepts by default (raise it with maxFrameBytes for huge tensors). Just
 * under 0x20202020: any four printable ASCII bytes read as a length exceed it, so a stray text line
 * on the worker's stdout is refused at once instead of being waited on as a gigabyte frame.
 */
export const DEFAULT_MAX_FRAME_BYTES = 512 * 1024 ** 2;

const ITEM_BYTES = { f32: 4, f64: 8 } as const;

/** A frame that breaks the protocol; the stream cannot be trusted after it. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(`torch worker protocol: ${message}`);
    this.name = 'ProtocolError';
  }
}

const count = z.number().int().min(0);
const tensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['f32', 'f64']),
  shape: z.array(count),
  offset: count,
  length: count,
});
const headerSchema = z.looseObject({
  v: z.literal(PROTOCOL_VERSION),
  id: z.number().int(),
  type: z.string(),
  tensors: z.array(tensorSpecSchema).default([]),
});

export interface Frame {
  /** The JSON header less `v` and `tensors`: `id`, `type` and the message's fields. */
  header: Record<string, unknown> & { id: number; type: string };
  tensors: HostTensors;
}

/** One frame's bytes. Tensors must be float32 or float64 (the worker computes in floats). */
export function encodeFrame(header: Record<string, unknown>, tensors: HostTensors = {}): Uint8Array {
  const specs: z.infer<typeof tensorSpecSchema>[] = [];
  const parts: { at: number; bytes: Uint8Array }[] = [];
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (!isFloat(t)) throw new ProtocolError(`tensor '${name}' is ${t.dtype}; send float32 or float64`);
    if (t.data.length !== elementCount(t.shape)) {
      throw new ProtocolError(`tensor '${name}': shape ${showShape(t.shape)} needs ${elementCount(t.shape)} values, got ${t.data.length}`);
    }
    at += (8 - (at % 8)) % 8;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    specs.push({ name, dtype: t.dtype === 'float32' ? 'f32' : 'f64', shape: t.shape, offset: at, length: bytes.length });
    parts.push({ at, bytes });
    at += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, ...header, tensors: specs }));
  const n = 4 + json.length + at;
  if (n > 0xffff_ffff) throw new ProtocolError(`a ${n}-byte frame does not fit the u32 length; send smaller tensors`);
  const out = new Uint8Array(4 + n);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  for (const p of parts) out.set(p.bytes, 8 + json.length + p.at);
  return out;
}

function decodeTensor(spec: z.infer<typeof tensorSpecSchema>, payload: Uint8Array): HostTensor {
  const expected = elementCount(spec.shape) * ITEM_BYTES[spec.dtype];
  if (spec.length !== expected) {
    throw new ProtocolError(
      `tensor '${spec.name}': shape ${showShape(spec.shape)} of ${spec.dtype} needs ${expected} bytes, the spec says ${spec.length}`,
    );
  }
  if (spec.offset + spec.length > payload.length) {
    throw new ProtocolError(
      `tensor '${spec.name}': bytes ${spec.offset}..${spec.offset + spec.length} fall outside the ${payload.length}-byte payload`,
    );
  }
  // A copy: aligned for the typed array, and independent of the receive buffer.
  const bytes = payload.slice(spec.offset, spec.offset + spec.length);
  return spec.dtype === 'f32'
    ? { dtype: 'float32', shape: spec.shape, data: new Float32Array(bytes.buffer) }
    : { dtype: 'float64', shape: spec.shape, data: new Float64Array(bytes.buffer) };
}

/** Parses one frame body (what follows the u32 length). */
export function decodeFrame(body: Uint8Array): Frame {
  if (body.length < 4) throw new ProtocolError(`a ${body.length}-byte frame is shorter than its header length`);
  const h = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true);
  if (h > body.length - 4) throw new ProtocolError(`header length ${h} exceeds the frame's ${body.length - 4} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(4, 4 + h)));
  } catch (err) {
    throw new ProtocolError(`the header is not UTF-8 JSON (${(err as Error).message})`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ProtocolError(`header field '${issue.path.join('.')}': ${issue.message}`);
  }
  const { v: _v, tensors: specs, ...header } = parsed.data;
  const payload = body.subarray(4 + h);
  const tensors: HostTensors = {};
  for (const spec of specs) {
    if (spec.name in tensors) throw new ProtocolError(`tensor '${spec.name}' appears twice`);
    tensors[spec.name] = decodeTensor(spec, payload);
  }
  return { header, tensors };
}

/** Cuts a byte stream into frames as chunks arrive; throws ProtocolError on a length out of range. */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Uint8Array): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 4) return frames;
      const head = this.peek(4);
      const n = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
      if (n < 4 || n > this.maxFrameBytes) throw new ProtocolError(`frame length ${n} is outside 4..${this.maxFrameBytes}`);
      if (this.buffered < 4 + n) return frames;
      const whole = this.take(4 + n);
      frames.push(decodeFrame(whole.subarray(4)));
    }
  }

  private peek(n: number): Uint8Array {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    return this.join().subarray(0, n);
  }

  private join(): Uint8Array {
    if (this.chunks.length > 1) {
      const all = new Uint8Array(this.buffered);
      let at = 0;
      for (const c of this.chunks) {
        all.set(c, at);
        at += c.length;
      }
      this.chunks = [all];
    }
    return this.chunks[0]!;
  }

  private take(n: number): Uint8Array {
    const all = this.join();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
