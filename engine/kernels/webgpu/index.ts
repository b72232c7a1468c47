/**
 * Fusebench's own WebGPU kernels (WGSL), registered on TensorFlow.js's webgpu backend when this module
 * loads and run through its program machinery (engine/kernels/webgpu/dispatch-cache.ts). Families use
 * these ops in their `...Wgsl` implementations, which declare `backends: ['webgpu']`.
 */
export { groupedConv } from './grouped-conv.js';
export { batchedLinear, type LinearOptions } from './batched-matmul.js';
export { fusedBatchNorm, type BatchNormOptions, type BatchNormTensors } from './batchnorm.js';
export { segmentedMax } from './segmented-max.js';

/** What a `...Wgsl` implementation declares as its backends. */
export const WEBGPU_ONLY = ['webgpu'] as const;
export { setLeanGradients } from './lean-gradients.js';
export { setLeanDispatch } from './dispatch-cache.js';
