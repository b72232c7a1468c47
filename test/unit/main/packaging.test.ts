import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

/**
 * The packaged app's Electron fuses (electron-builder flips them in the binary). Checked on the
 * configuration because building installers needs the Electron binary, which the build machines lack.
 */
describe('electron-builder.yml', () => {
  // The block's `  key: true|false` lines (the YAML parser electron-builder uses is not a dependency of ours).
  const lines = readFileSync('electron-builder.yml', 'utf8').split('\n');
  const start = lines.indexOf('electronFuses:');
  const fuses: Record<string, boolean> = {};
  for (const line of start < 0 ? [] : lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    const [key, value] = line.trim().split(': ');
    fuses[key!] = value === 'true';
  }

  it.each([
    ['runAsNode', false],
    ['enableNodeOptionsEnvironmentVariable', false],
    ['enableNodeCliInspectArguments', false],
    ['enableEmbeddedAsarIntegrityValidation', true],
    ['onlyLoadAppFromAsar', true],
    ['grantFileProtocolExtraPrivileges', false],
  ])('sets the fuse %s to %s', (fuse, value) => {
    expect(fuses[fuse]).toBe(value);
  });

  it('holds no signing secret: certificates and passwords come from the environment (docs/desktop.md, Signing)', () => {
    const text = lines.join('\n');
    expect(text).not.toMatch(/certificateFile|certificatePassword|cscLink|cscKeyPassword|\.p12\b|\.pfx\b/i);
  });

  it('packages the pass and planner processes beside the engine', () => {
    for (const f of ['dist/node/engine-worker.mjs', 'dist/node/engine-pass.mjs', 'dist/node/engine-plan.mjs'])
      expect(lines).toContain(`  - ${f}`);
  });
});
