import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAMILIES, getFamily, implementationsOn } from '../../../engine/families/index.js';
import { MODES } from '../../../engine/core/types.js';

/**
 * WebGPU through Dawn (the `webgpu` package) on Chromium's SwiftShader Vulkan driver: slow, but the
 * real tfjs WebGPU backend, and Fusebench's WGSL kernels, on a CPU. The loader variables must be set
 * before the process starts, so the checks run in child processes: the CLI's `verify` end to end, and
 * the in-process suite (webgpu-suite.test.ts: every family × implementation × mode on odd shapes, the
 * WGSL kernels' vec4 paths, memory, dispatch records). Skipped, with the reason printed, where either
 * is missing.
 */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const missing = !existsSync('node_modules/webgpu/dist/linux-x64')
  ? "the 'webgpu' package has no linux-x64 binary here"
  : !existsSync(SWIFTSHADER)
    ? `${SWIFTSHADER} is missing (apt-get install chromium)`
    : undefined;
if (missing) console.log(`[skip] webgpu checks on SwiftShader: ${missing}`);

const env = () => ({
  ...process.env,
  VK_DRIVER_FILES: SWIFTSHADER,
  LD_LIBRARY_PATH: '/usr/lib/chromium',
  XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'fb-xdg-')),
});

describe.skipIf(missing !== undefined)('webgpu backend on SwiftShader', () => {
  it('fusebench verify --backend webgpu passes every implementation of a family within the webgpu tolerance', () => {
    const family = getFamily('gmp');
    const r = spawnSync(
      process.execPath,
      ['bin/fusebench.mjs', 'verify', '--backend', 'webgpu', '--family', family.name, '--json', '--seed', '23'],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: env(),
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { backend: string; implementation: string; pass: boolean; tolerance: number }[];
    // Every implementation that runs on webgpu (the WGSL ones included) but the reference, in both modes.
    expect(rows).toHaveLength((implementationsOn(family, 'webgpu').length - 1) * MODES.length);
    expect(rows.map((row) => row.implementation)).toContain('parallel.segmentedMaxWgsl');
    for (const row of rows) expect(row).toMatchObject({ backend: 'webgpu', pass: true, tolerance: 1e-4 });
  });

  it('every family × implementation × mode, WGSL kernels included, passes in-process (webgpu-suite.test.ts)', () => {
    const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/unit/engine/webgpu-suite.test.ts'], {
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...env(), FUSEBENCH_WEBGPU_SUITE: '1' },
    });
    const output = `${r.stdout}\n${r.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
    expect(r.status, output.slice(-6000)).toBe(0);
    // The suite ran rather than skipped: at least its two equivalence checks per family passed.
    const passed = Number(/Tests\s+(\d+) passed/.exec(output)?.[1] ?? 0);
    expect(passed, output.slice(-2000)).toBeGreaterThanOrEqual(FAMILIES.length * MODES.length);
  }, 660_000);
});
