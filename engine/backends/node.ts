import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tf } from '../core/tf.js';
import { BackendUnavailableError } from '../core/errors.js';
import { describeError } from '../core/errors.js';
import { BACKENDS, isTfjsBackend, type BackendInfo, type BackendName } from '../core/backend-names.js';
import { registerWasmSliceFix } from './wasm-slice.js';
import { findTorchPython, torchBackendInfo } from './torch-python.js';
import '@tensorflow/tfjs-backend-cpu';

const require = createRequire(import.meta.url);
const probed = new Map<BackendName, BackendInfo>();

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Loads a package by a name TypeScript and the bundler must not resolve (it may be absent). */
async function importOptional(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

async function loadWasm(): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = process.env.FUSEBENCH_WASM_DIR ?? join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  wasm.setWasmPaths(`${dir}/`);
  registerWasmSliceFix();
  return { name: 'wasm', available: true, device: 'CPU (WebAssembly SIMD, single-threaded in Node)', kernelTiming: 'host' };
}

/** Folders the dynamic loader searches for libvulkan.so.1 on Linux (Debian's multiarch ones included). */
function vulkanLoaderFound(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
    '/usr/local/lib',
  ];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

async function loadWebgpu(): Promise<BackendInfo> {
  // Checked first so that a machine without Vulkan gets a plain reason (and no warning from Dawn).
  if (!vulkanLoaderFound()) {
    throw new BackendUnavailableError(
      'webgpu',
      'no Vulkan loader (libvulkan.so.1): install libvulkan1 and the GPU vendor driver, or for a slow CPU fallback with ' +
        "Debian's chromium set VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium XDG_RUNTIME_DIR=<a writable folder>",
    );
  }
  let dawn: { create(options: string[]): unknown; globals: Record<string, unknown> };
  try {
    dawn = (await importOptional('webgpu')) as typeof dawn;
  } catch (err) {
    throw new BackendUnavailableError(
      'webgpu',
      `the 'webgpu' package (Dawn for Node) is not installed: npm install webgpu (${describeError(err)})`,
    );
  }
  Object.assign(globalThis, dawn.globals);
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  g.navigator ??= {};
  g.navigator.gpu = dawn.create([]);
  const gpu = g.navigator.gpu as {
    requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; device?: string; description?: string } } | null>;
  };
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new BackendUnavailableError(
      'webgpu',
      'Dawn found no GPU adapter; install a Vulkan loader and driver (libvulkan1 plus the GPU vendor ICD) or, for a slow ' +
        "CPU fallback with Debian's chromium, set VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json " +
        'LD_LIBRARY_PATH=/usr/lib/chromium XDG_RUNTIME_DIR=<a writable folder>',
    );
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info ?? {};
  const device = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  return { name: 'webgpu', available: true, device, kernelTiming: 'device' };
}

async function loadTensorflow(): Promise<BackendInfo> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await importOptional(pkg);
      return {
        name: 'tensorflow',
        available: true,
        device: pkg.endsWith('gpu') ? 'libtensorflow (CUDA)' : 'libtensorflow (CPU)',
        kernelTiming: 'host',
      };
    } catch (err) {
      const missing = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
      reasons.push(`${pkg}: ${missing ? 'not installed' : describeError(err).split('\n')[0]}`);
    }
  }
  throw new BackendUnavailableError(
    'tensorflow',
    `${reasons.join('; ')}; npm install @tensorflow/tfjs-node-gpu@4.22.0 where libtensorflow 2.9.1 can be downloaded ` +
      '(the GPU build needs CUDA 11.2 and cuDNN 8.1)',
  );
}

const loaders: Record<BackendName, () => Promise<BackendInfo>> = {
  cpu: async () => ({ name: 'cpu', available: true, device: 'CPU (plain JavaScript, the reference)', kernelTiming: 'host' }),
  wasm: loadWasm,
  webgpu: loadWebgpu,
  tensorflow: loadTensorflow,
  // Not TensorFlow.js: finding a Python that imports torch is the whole check (engine/torch/).
  torch: async () => torchBackendInfo(await findTorchPython()),
};

/** Loads a backend's package once and reports whether it can run, and why not. */
export async function probeBackend(name: BackendName): Promise<BackendInfo> {
  const known = probed.get(name);
  if (known) return known;
  let info: BackendInfo;
  try {
    info = await loaders[name]();
  } catch (err) {
    const reason = err instanceof BackendUnavailableError ? err.reason : describeError(err);
    info = { name, available: false, reason, kernelTiming: 'host' };
  }
  probed.set(name, info);
  return info;
}

/** Every backend with its availability, for `fusebench env` and the app's environment panel. */
export async function probeBackends(): Promise<BackendInfo[]> {
  const infos: BackendInfo[] = [];
  for (const name of BACKENDS) infos.push(await probeBackend(name));
  return infos;
}

/**
 * Makes `name` the active TensorFlow.js backend, or throws BackendUnavailableError with the reason.
 *
 * @example await useBackend('wasm');
 */
export async function useBackend(name: BackendName): Promise<BackendInfo> {
  const info = await probeBackend(name);
  if (!info.available) throw new BackendUnavailableError(name, info.reason ?? 'unknown reason');
  // torch runs in its own process (engine/torch/); TensorFlow.js keeps whichever backend it has.
  if (!isTfjsBackend(name)) return info;
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) {
      const failed: BackendInfo = { ...info, available: false, reason: `TensorFlow.js could not initialise the ${name} backend` };
      probed.set(name, failed);
      throw new BackendUnavailableError(name, failed.reason!);
    }
  }
  await tf.ready();
  if (name === 'cpu') {
    // The cpu backend tells Node users, on stderr, to install tfjs-node; `fusebench env` says that plainly instead.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  }
  return info;
}
