import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// engine/report is imported by the browser bundle: only node-*.ts may reach for Node, and nothing here
// may load TensorFlow.js.
const dir = join(import.meta.dirname, '../../../engine/report');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const imports = (f: string) => [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);

describe('engine/report layering', () => {
  it('has pure and node files', () => {
    expect(files).toContain('charts.ts');
    expect(files).toContain('node-html.ts');
  });

  it.each(files.filter((f) => !f.startsWith('node-')))('%s imports only pure modules', (f) => {
    for (const spec of imports(f)) expect(spec, f).toMatch(/^\.\.?\//);
  });

  it.each(files)('%s does not load TensorFlow.js', (f) => {
    for (const spec of imports(f)) expect(spec, f).not.toMatch(/tensorflow|core\/tf|backends\//);
  });
});
