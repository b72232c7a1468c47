import { tf, type Tensor } from '../../core/tf.js';
import type { TensorInfo, WebGpuBackendLike } from './program.js';

/** Attributes of a Fusebench kernel: plain numbers and lists, as tfjs passes them to gradients. */
export type KernelAttrs = Record<string, number | number[] | boolean | string>;

type KernelRun<A> = (inputs: Record<string, TensorInfo>, attrs: A, backend: WebGpuBackendLike) => TensorInfo | TensorInfo[];

/**
 * Registers a kernel on tfjs's webgpu backend (once): it then runs through `tf.engine().runKernel`, so
 * tf.profile() lists it by name, tf.time() times its dispatches, and the tape records it for gradients.
 */
export function defineKernel<A extends KernelAttrs>(name: string, run: KernelRun<A>): void {
  if (tf.getKernel(name, 'webgpu')) return;
  tf.registerKernel({
    kernelName: name,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) =>
      run(inputs as unknown as Record<string, TensorInfo>, attrs as unknown as A, backend as unknown as WebGpuBackendLike),
  });
}

/** Registers `name`'s gradient: `grads` maps each input to a function computing its gradient from dy and the saved tensors. */
export function defineGradient<A extends KernelAttrs>(
  name: string,
  saved: { inputs?: string[]; outputs?: boolean[] },
  grads: (dy: Tensor, saved: Tensor[], attrs: A) => Record<string, () => Tensor>,
): void {
  if (tf.getGradient(name)) return;
  tf.registerGradient({
    kernelName: name,
    ...(saved.inputs ? { inputsToSave: saved.inputs } : {}),
    ...(saved.outputs ? { outputsToSave: saved.outputs } : {}),
    gradFunc: (dy, tensors, attrs) => grads(dy as Tensor, tensors, attrs as unknown as A),
  });
}

/** Runs a registered Fusebench kernel on tensors. */
export function runKernel<A extends KernelAttrs>(name: string, inputs: Record<string, Tensor>, attrs: A): Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as Tensor;
}

/** Runs a registered Fusebench kernel with several outputs. */
export function runKernels<A extends KernelAttrs>(name: string, inputs: Record<string, Tensor>, attrs: A): Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as Tensor[];
}

/** A program built once per shape and attributes: building WGSL strings is host work a dispatch need not repeat. */
export function memo<P>(cache: Map<string, P>, key: string, build: () => P): P {
  let p = cache.get(key);
  if (!p) {
    p = build();
    cache.set(key, p);
  }
  return p;
}
