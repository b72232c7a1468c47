import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTorchPython, pythonCandidates, torchBackendInfo, torchVersion } from '../../../engine/backends/torch-python.js';
import { TORCH, reportSkip } from './torch-available.js';

reportSkip('torch/env.test.ts');

/** A Python without torch: the real interpreter with site-packages switched off (-S). */
function pythonWithoutTorch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fb-py-'));
  const path = join(dir, 'python');
  writeFileSync(path, `#!/bin/sh\nexec ${TORCH?.python ?? 'python3'} -S "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('finding Python with torch', () => {
  it('tries FUSEBENCH_PYTHON alone when set, else python3 then /usr/bin/python3', () => {
    expect(pythonCandidates({})).toEqual(['python3', '/usr/bin/python3']);
    expect(pythonCandidates({ FUSEBENCH_PYTHON: '/opt/venv/bin/python' })).toEqual(['/opt/venv/bin/python']);
  });

  it('reads torch versions', () => {
    expect(torchVersion('2.1.0+cu121')).toEqual([2, 1]);
    expect(torchVersion('1.13.0a0')).toEqual([1, 13]);
    expect(torchVersion('nightly')).toBeUndefined();
  });

  it('says why when FUSEBENCH_PYTHON does not exist', async () => {
    const probe = await findTorchPython({ FUSEBENCH_PYTHON: '/nonexistent/python3' });
    expect(probe).toEqual({
      found: false,
      reason: expect.stringMatching(/^no Python with torch \(FUSEBENCH_PYTHON\): \/nonexistent\/python3: not found; install PyTorch/),
    });
    expect(torchBackendInfo(probe)).toMatchObject({
      name: 'torch',
      available: false,
      reason: expect.stringContaining('FUSEBENCH_PYTHON=/path/to/venv/bin/python'),
    });
  });

  it('says why when FUSEBENCH_PYTHON is a Python without torch', async () => {
    const probe = await findTorchPython({ FUSEBENCH_PYTHON: pythonWithoutTorch() });
    expect(probe.found).toBe(false);
    if (!probe.found)
      expect(probe.reason).toMatch(/\(Python 3\.\d+\.\d+\): cannot import torch \(ModuleNotFoundError: No module named 'torch'\)/);
  });

  it.skipIf(!TORCH)('finds torch and lists its version, CUDA version and device', async () => {
    const probe = await findTorchPython({ PATH: process.env.PATH ?? '' });
    expect(probe.found).toBe(true);
    const info = torchBackendInfo(probe);
    expect(info).toMatchObject({ name: 'torch', available: true });
    expect(info.device).toContain(`PyTorch ${TORCH!.torch}`);
    expect(info.device).toMatch(TORCH!.cudaAvailable ? /CUDA \S+ · / : /CPU \(no CUDA: /);
    expect(info.kernelTiming).toBe(TORCH!.cudaAvailable ? 'device' : 'host');
  });

  it('describes a CUDA machine and a CUDA build without a device', () => {
    const base = { python: '/usr/bin/python3', pythonVersion: '3.11.2', torch: '2.4.0', deviceName: null };
    expect(
      torchBackendInfo({ found: true, python: { ...base, cuda: '12.1', cudaAvailable: true, deviceName: 'NVIDIA H200' } }).device,
    ).toBe('PyTorch 2.4.0 · CUDA 12.1 · NVIDIA H200 · /usr/bin/python3 (Python 3.11.2)');
    expect(torchBackendInfo({ found: true, python: { ...base, cuda: '12.1', cudaAvailable: false } }).device).toContain(
      'CPU (no CUDA: torch built for CUDA 12.1 but no device is visible)',
    );
  });
});
