import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAMILIES, MODES } from '../../../engine/index.js';

/**
 * WebGPU through Dawn (the `webgpu` package) on Chromium's SwiftShader Vulkan driver: slow, but the
 * real tfjs WebGPU backend on a CPU. The loader variables must be set before the process starts, so
 * the check runs the CLI in a child process. Skipped, with the reason printed, where either is missing.
 */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const missing = !existsSync('node_modules/webgpu/dist/linux-x64')
  ? "the 'webgpu' package has no linux-x64 binary here"
  : !existsSync(SWIFTSHADER)
    ? `${SWIFTSHADER} is missing (apt-get install chromium)`
    : undefined;
if (missing) console.log(`[skip] webgpu equivalence on SwiftShader: ${missing}`);

describe.skipIf(missing !== undefined)('webgpu backend on SwiftShader', () => {
  it('every family × implementation × mode passes within the declared webgpu tolerance', () => {
    const r = spawnSync(process.execPath, ['bin/fusebench.mjs', 'verify', '--backend', 'webgpu', '--json', '--seed', '23'], {
      encoding: 'utf8',
      timeout: 300_000,
      env: {
        ...process.env,
        VK_DRIVER_FILES: SWIFTSHADER,
        LD_LIBRARY_PATH: '/usr/lib/chromium',
        XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'fb-xdg-')),
      },
    });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { backend: string; pass: boolean; tolerance: number }[];
    // Every implementation but each family's reference, in both modes.
    expect(rows).toHaveLength(FAMILIES.reduce((n, f) => n + (f.implementations.length - 1) * MODES.length, 0));
    for (const row of rows) expect(row).toMatchObject({ backend: 'webgpu', pass: true, tolerance: 1e-4 });
  });
});
