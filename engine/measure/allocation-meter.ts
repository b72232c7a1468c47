import { tf } from '../core/tf.js';
import type { MEMORY_SOURCES } from '../files/schemas.js';

/** What a meter counts; recorded with each point (`memory.source`, explained in engine/report/memory-sources.ts). */
export type MemorySource = Exclude<(typeof MEMORY_SOURCES)[number], 'tfjs-tensors-v1' | 'cuda-allocator'>;

/** A running high-water mark: bytes live now and the most seen since `start`. */
class HighWater {
  private live = 0;
  private peak = 0;
  add(bytes: number): void {
    this.level(this.live + bytes);
  }
  level(bytes: number): void {
    this.live = bytes;
    if (this.live > this.peak) this.peak = this.live;
  }
  /** Bytes above the level at the start (never negative). */
  get peakBytes(): number {
    return Math.max(0, this.peak);
  }
}

/** Bytes per live allocation feeding a high-water mark; a release of one made before metering began is not counted. */
class Ledger {
  readonly water = new HighWater();
  private readonly sizes = new Map<unknown, number>();
  /** `key` now holds `bytes`, in place of what it held before. */
  hold(key: unknown, bytes: number): void {
    this.water.add(bytes - (this.sizes.get(key) ?? 0));
    this.sizes.set(key, bytes);
  }
  release(key: unknown): void {
    const bytes = this.sizes.get(key);
    if (bytes === undefined) return;
    this.sizes.delete(key);
    this.water.add(-bytes);
  }
}

/** Replaces `obj[key]` (a method) by a wrapper for the life of the meter; `restore` puts it back. */
function wrap<T extends object, K extends keyof T>(obj: T, key: K, make: (original: T[K]) => T[K]): () => void {
  const had = Object.prototype.hasOwnProperty.call(obj, key);
  const original = obj[key];
  obj[key] = make(typeof original === 'function' ? ((original as (...a: unknown[]) => unknown).bind(obj) as T[K]) : original);
  return () => {
    if (had) obj[key] = original;
    else delete obj[key];
  };
}

export interface AllocationMeter {
  source: MemorySource;
  /** Stops counting; the high-water bytes allocated above the level when the meter started. */
  stop(): number;
}

interface WasmModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

interface BufferManager {
  numBytesUsed: number;
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): unknown;
  releaseBuffer(buffer: unknown, reuse?: boolean): void;
}

interface DataStorage {
  set(dataId: object, value: { values?: ArrayLike<number> & { byteLength?: number } }): void;
  delete(dataId: object): boolean;
  get(dataId: object): { values?: { byteLength?: number } } | undefined;
}

/** wasm: every malloc/free the backend makes for tensor data (outputs and kernel temporaries alike). */
function wasmMeter(): AllocationMeter | undefined {
  const module = (tf.backend() as unknown as { wasm?: WasmModule }).wasm;
  if (!module) return undefined;
  const ledger = new Ledger();
  const restoreMalloc = wrap(module, '_malloc', (malloc) => (bytes: number) => {
    const pointer = malloc(bytes);
    ledger.hold(pointer >>> 0, bytes);
    return pointer;
  });
  const restoreFree = wrap(module, '_free', (free) => (pointer: number) => {
    ledger.release(pointer >>> 0);
    free(pointer);
  });
  return {
    source: 'wasm-heap',
    stop: () => {
      restoreMalloc();
      restoreFree();
      return ledger.water.peakBytes;
    },
  };
}

/** webgpu: bytes of buffers acquired from tfjs's pool and not yet released. */
function webgpuMeter(): AllocationMeter | undefined {
  const manager = (tf.backend() as unknown as { bufferManager?: BufferManager }).bufferManager;
  if (!manager) return undefined;
  const start = manager.numBytesUsed;
  const water = new HighWater();
  const restore = wrap(manager, 'acquireBuffer', (acquire) => (...args: Parameters<BufferManager['acquireBuffer']>) => {
    const buffer = acquire(...args);
    water.level(manager.numBytesUsed - start);
    return buffer;
  });
  return {
    source: 'gpu-buffers',
    stop: () => {
      restore();
      return water.peakBytes;
    },
  };
}

/** cpu: bytes of the typed arrays stored for tensor data. */
function cpuMeter(): AllocationMeter | undefined {
  const data = (tf.backend() as unknown as { data?: DataStorage }).data;
  if (!data) return undefined;
  const ledger = new Ledger();
  const restoreSet = wrap(data, 'set', (set) => (dataId: object, value: { values?: { byteLength?: number } }) => {
    ledger.hold(dataId, value.values?.byteLength ?? 0);
    set(dataId, value as never);
  });
  const restoreDelete = wrap(data, 'delete', (del) => (dataId: object) => {
    ledger.release(dataId);
    return del(dataId);
  });
  return {
    source: 'js-arrays',
    stop: () => {
      restoreSet();
      restoreDelete();
      return ledger.water.peakBytes;
    },
  };
}

/**
 * TensorFlow.js's own accounting, corrected: bytes of unique data buffers registered with the engine
 * (a reshape shares its input's buffer and adds nothing), high-water over the call. Kernel temporaries
 * a backend frees inside the kernel never reach the engine and are not counted here.
 */
export function startTensorMeter(): AllocationMeter {
  const info = (tf.engine() as unknown as { state: { tensorInfo: WeakMap<object, { bytes: number }> } }).state.tensorInfo;
  const ledger = new Ledger();
  const restoreSet = wrap(info, 'set', (set) => (dataId: object, entry: { bytes: number }) => {
    ledger.hold(dataId, entry.bytes);
    return set(dataId, entry);
  });
  const restoreDelete = wrap(info, 'delete', (del) => (dataId: object) => {
    ledger.release(dataId);
    return del(dataId);
  });
  return {
    source: 'tfjs-tensors',
    stop: () => {
      restoreSet();
      restoreDelete();
      return ledger.water.peakBytes;
    },
  };
}

/**
 * The allocator-true meter of the active backend, or undefined where there is none (tensorflow: its
 * allocator lives in libtensorflow, out of reach).
 *
 * @example const m = startAllocationMeter(); run(); const bytes = m?.stop();
 */
export function startAllocationMeter(): AllocationMeter | undefined {
  switch (tf.getBackend()) {
    case 'wasm':
      return wasmMeter();
    case 'webgpu':
      return webgpuMeter();
    case 'cpu':
      return cpuMeter();
    default:
      return undefined;
  }
}
