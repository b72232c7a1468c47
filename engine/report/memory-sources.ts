import type { MEMORY_SOURCES } from '../files/schemas.js';

/** What each `memory.source` counts, in plain words, for reports and the point detail (pure). */
export const MEMORY_SOURCE_TEXT: Record<(typeof MEMORY_SOURCES)[number], string> = {
  'wasm-heap': 'wasm heap bytes malloc’d for tensor data (kernel temporaries included; XNNPACK’s own workspace not)',
  'gpu-buffers': 'GPU buffer bytes in use from tfjs’s buffer pool (uniform and staging buffers included)',
  'js-arrays': 'bytes of the typed arrays the cpu backend holds for tensor data (kernel temporaries that are plain JS arrays not seen)',
  'tfjs-tensors': 'TensorFlow.js tensor accounting (unique data buffers; no allocator figure on this backend)',
  'tfjs-tensors-v1': 'TensorFlow.js tensor accounting of Fusebench before results v2, which counted reshape views as new bytes',
};
