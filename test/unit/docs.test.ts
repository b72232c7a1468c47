import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's own text files: code, tests, scripts, configuration and docs. */
function sources(dir = '.', out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'dist', 'release', 'test-results', 'playwright-report', '.git', 'runs', 'scratch'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(ts|vue|mjs|js|md|yml|sh)$/.test(name)) out.push(path);
  }
  return out;
}

/** The documents the code and docs cite live in the repository (docs/), so a fresh clone can follow every reference. */
describe('cited documents', () => {
  const files = sources().filter((f) => f !== join('test', 'unit', 'docs.test.ts'));

  it('every docs/*.md that is cited exists', () => {
    const cited = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bdocs\/([\w.-]+\.md)\b/g)].map((m) => m[1]!)));
    expect(cited.size).toBeGreaterThan(0);
    for (const doc of cited) expect(existsSync(join('docs', doc)), `docs/${doc}`).toBe(true);
  });

  it('DESIGN.md, which the code cites by section, is in docs/', () => {
    expect(files.some((f) => readFileSync(f, 'utf8').includes('DESIGN.md §'))).toBe(true);
    expect(existsSync(join('docs', 'DESIGN.md'))).toBe(true);
  });

  it('nothing points outside the repository (../shared)', () => {
    expect(files.filter((f) => readFileSync(f, 'utf8').includes('../shared'))).toEqual([]);
  });
});
